using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// The rank recompute's state, one row per coin instead of one per coin and currency: at 15,000 coins a row per
/// pair meant writing 1.9 million rank rows and reading 21 million hour rows at every hour, which no 2-core
/// machine does in seconds. The tables hold only derived data, rebuilt from price_sample by the next recompute.
/// </summary>
[Migration(5, "Volatility state per coin")]
public sealed class M005_VolatilityStatePerCoin : Migration
{
    public override void Up() => Execute.Sql("""
        DROP TABLE volatility_rank;
        DROP TABLE price_hour_dirty;
        DROP TABLE price_window_block_span;
        DROP TABLE price_window_block;
        DROP TABLE price_hour_stats;

        -- stats: 9 little-endian float8 per currency, the currency with key k at byte (k - 1) * 72:
        --   n, mean, m2                the prices (Welford; merged with Chan's formula)
        --   lp_n, first_lp, last_lp    count, first and last ln(price) of the positive prices
        --   r_n, r_mean, r_m2          the log returns between consecutive positive prices
        -- n = 0 where the coin has no price in that currency. bytea, not float8[]: only the recompute reads these,
        -- 350,000 rows of them when the window crosses an hour, and PostgreSQL sends a float8[] element by element,
        -- at twice the cost. Values of ~4.5 KB go to TOAST: EXTERNAL skips a compression attempt doubles do not repay.
        CREATE TABLE price_hour_stats (
            hour     timestamptz NOT NULL,
            coin_key integer NOT NULL,
            stats    bytea NOT NULL,
            PRIMARY KEY (hour, coin_key)
        );
        ALTER TABLE price_hour_stats ALTER COLUMN stats SET STORAGE EXTERNAL;

        -- Complete hours whose statistics exist for every coin; later samples in them are marked per coin.
        CREATE TABLE price_hour_summarized (
            hour timestamptz PRIMARY KEY
        );

        -- The complete hours inside the window merged per coin; rebuilt when the window crosses an hour, and for
        -- single coins when their samples in one of those hours change.
        CREATE TABLE price_window_block (
            coin_key integer PRIMARY KEY,
            stats    bytea NOT NULL
        );
        ALTER TABLE price_window_block ALTER COLUMN stats SET STORAGE EXTERNAL;
        CREATE TABLE price_window_block_span (
            only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            from_hour timestamptz NOT NULL,
            to_hour   timestamptz NOT NULL
        );

        -- Samples stored since their hour was summarized: every page appends one mark per hour it wrote, with the
        -- coins, so pages never contend; a recompute deletes only the marks it has seen.
        CREATE TABLE price_hour_dirty (
            mark      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            hour      timestamptz NOT NULL,
            coin_keys integer[] NOT NULL
        );

        -- A coin's ranks in one measure (1 = log_return_stddev, 2 = price_stddev), indexed by currency_key;
        -- NULL where the coin has too few prices in that currency.
        CREATE TABLE volatility_rank (
            coin_key   integer NOT NULL,
            measure    smallint NOT NULL,
            rank       integer[] NOT NULL,
            volatility double precision[] NOT NULL,
            PRIMARY KEY (coin_key, measure)
        );

        -- How many coins each currency and measure ranks, and the window's end.
        CREATE TABLE volatility_ranking (
            currency_key smallint NOT NULL,
            measure      smallint NOT NULL,
            out_of       integer NOT NULL,
            as_of        timestamptz NOT NULL,
            PRIMARY KEY (currency_key, measure)
        );
        """);

    public override void Down() => Execute.Sql($"""
            DROP TABLE volatility_ranking;
            DROP TABLE volatility_rank;
            DROP TABLE price_hour_dirty;
            DROP TABLE price_window_block_span;
            DROP TABLE price_window_block;
            DROP TABLE price_hour_summarized;
            DROP TABLE price_hour_stats;
            {M004_VolatilityRanks.Tables}
            """);
}
