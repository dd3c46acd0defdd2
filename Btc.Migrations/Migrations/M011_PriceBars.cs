using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// History tiers: hourly and daily bars (open, high, low, close, mean, count per coin and currency), rolled up from
/// the series pieces once a UTC day is complete. Minute samples are kept Retention__MinuteDays, hour bars
/// Retention__HourDays, day bars for good.
/// </summary>
[Migration(11, "Hourly and daily bars")]
public sealed class M011_PriceBars : Migration
{
    public override void Up() => Execute.Sql("""
        -- A coin's hour bars of one currency and UTC day in one row (1.2 kB): a 30-day window reads 30 rows, not 720.
        -- h holds the hours (0-23) that had samples; open[i] … count[i] are hour h[i]'s bar.
        CREATE TABLE price_bar_hour (
            coin_key     integer    NOT NULL,
            currency_key smallint   NOT NULL,
            day          date       NOT NULL,
            h            smallint[] NOT NULL,
            open         float8[]   NOT NULL,
            high         float8[]   NOT NULL,
            low          float8[]   NOT NULL,
            close        float8[]   NOT NULL,
            mean         float8[]   NOT NULL,
            count        integer[]  NOT NULL,
            PRIMARY KEY (coin_key, currency_key, day)
        );

        -- A coin's day bars of one currency and UTC month in one row (1.5 kB), a day added as it is rolled up: a year
        -- reads 13 rows, not 365. d holds the days of the month (1-31) that had samples.
        CREATE TABLE price_bar_day (
            coin_key     integer    NOT NULL,
            currency_key smallint   NOT NULL,
            month        date       NOT NULL,
            d            smallint[] NOT NULL,
            open         float8[]   NOT NULL,
            high         float8[]   NOT NULL,
            low          float8[]   NOT NULL,
            close        float8[]   NOT NULL,
            mean         float8[]   NOT NULL,
            count        integer[]  NOT NULL,
            PRIMARY KEY (coin_key, currency_key, month)
        );

        -- Days before bars_until are rolled up (the day at bars_until is, for coins below next_coin_key);
        -- minute samples are kept from minutes_from on, hour bars from hours_from on (moved by retention).
        CREATE TABLE price_history (
            only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            bars_until    date    NOT NULL,
            next_coin_key integer NOT NULL DEFAULT 0,
            minutes_from  date    NOT NULL,
            hours_from    date    NOT NULL
        );
        -- Nothing is dropped yet: each tier holds everything there is. The rollup starts where compaction does.
        INSERT INTO price_history (bars_until, minutes_from, hours_from)
        SELECT (pieces_from AT TIME ZONE 'UTC')::date, '-infinity', '-infinity' FROM price_series_compaction;
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE price_history;
        DROP TABLE price_bar_day;
        DROP TABLE price_bar_hour;
        """);
}
