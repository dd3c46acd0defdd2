using FluentMigrator;

namespace Btc.Migrations.Migrations;

[Migration(4, "Hourly price statistics and volatility ranks")]
public sealed class M004_VolatilityRanks : Migration
{
    public override void Up() => Execute.Sql(Tables);

    /// <summary>Also what M005's Down restores.</summary>
    internal const string Tables = """
        -- Partial aggregates per coin, currency and complete hour, merged with Chan's formula when ranks are
        -- recomputed, so a recompute reads 23 hours of these plus one hour of raw samples, not 24 hours of samples.
        --   n, mean, m2:          the hour's non-null prices
        --   lp_n, first_lp, last_lp: count, first and last ln(price) of its positive prices
        --   r_n, r_mean, r_m2:     log returns between consecutive positive prices inside the hour
        CREATE TABLE price_hour_stats (
            hour         timestamptz NOT NULL,
            coin_key     integer NOT NULL,
            currency_key smallint NOT NULL,
            n            integer NOT NULL,
            mean         double precision NOT NULL,
            m2           double precision NOT NULL,
            lp_n         integer NOT NULL,
            first_lp     double precision,
            last_lp      double precision,
            r_n          integer NOT NULL,
            r_mean       double precision NOT NULL,
            r_m2         double precision NOT NULL,
            PRIMARY KEY (hour, coin_key, currency_key)
        );

        -- The complete hours inside the window merged into one segment per coin and currency; rebuilt when the
        -- window crosses an hour or one of its hours changes, so a recompute each minute reads one row per pair.
        CREATE TABLE price_window_block (
            coin_key     integer NOT NULL,
            currency_key smallint NOT NULL,
            n            integer NOT NULL,
            mean         double precision NOT NULL,
            m2           double precision NOT NULL,
            lp_n         integer NOT NULL,
            first_lp     double precision,
            last_lp      double precision,
            r_n          integer NOT NULL,
            r_mean       double precision NOT NULL,
            r_m2         double precision NOT NULL,
            PRIMARY KEY (coin_key, currency_key)
        );
        CREATE TABLE price_window_block_span (
            only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            from_hour timestamptz NOT NULL,
            to_hour   timestamptz NOT NULL
        );

        -- Hours whose samples changed since their statistics were computed: every page appends a mark per hour
        -- it wrote, with no conflict between concurrent pages, and a recompute deletes only the marks it has seen.
        CREATE TABLE price_hour_dirty (
            mark bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            hour timestamptz NOT NULL
        );

        -- measure: 1 = log_return_stddev, 2 = price_stddev
        CREATE TABLE volatility_rank (
            currency_key smallint NOT NULL,
            measure      smallint NOT NULL,
            coin_key     integer NOT NULL,
            volatility   double precision NOT NULL,
            rank         integer NOT NULL,
            out_of       integer NOT NULL,
            as_of        timestamptz NOT NULL,
            PRIMARY KEY (coin_key, currency_key, measure)
        );
        """;

    public override void Down() => Execute.Sql("""
        DROP TABLE volatility_rank;
        DROP TABLE price_hour_dirty;
        DROP TABLE price_window_block_span;
        DROP TABLE price_window_block;
        DROP TABLE price_hour_stats;
        """);
}
