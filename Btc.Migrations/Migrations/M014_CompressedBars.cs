using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// Hour and day bars compressed (issue 22, item 4): a coin's bars in every seeded currency in one bytea row encoded
/// with Btc.Data/History/Series/Codec/HourBarsCodec, in place of a row per currency. Currencies added after the seeded
/// ones (no piece column) keep their rows in price_bar_hour / price_bar_day. The seeded currencies' old rows are
/// converted by the bar-rollup job in the background (BarConversion), not here: reads take the old rows until then.
/// </summary>
[Migration(14, "Compressed hour and day bars")]
public sealed class M014_CompressedBars : Migration
{
    public override void Up() => Execute.Sql("""
        -- A coin's hour bars of a UTC day: open, high and low and close predicted from usd × the rates (price_rate) of
        -- the moment of the usd sample that gave each, the counts, the means (sum / count) apart. Kept
        -- Retention__HourDays; price_rate is kept as long as them (nothing deletes it).
        CREATE TABLE price_bars_hour (
            coin_key integer NOT NULL,
            day      date    NOT NULL,
            data     bytea   NOT NULL,
            PRIMARY KEY (coin_key, day)
        );

        -- A coin's day bars of a UTC month, a day put in as it is rolled up: each currency a walk in time over the
        -- days, no rates, so that day bars kept for good depend on nothing else kept.
        CREATE TABLE price_bars_day (
            coin_key integer NOT NULL,
            month    date    NOT NULL,
            data     bytea   NOT NULL,
            PRIMARY KEY (coin_key, month)
        );
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE price_bars_day;
        DROP TABLE price_bars_hour;
        """);
}
