using FluentMigrator;

namespace Btc.Migrations.Migrations;

[Migration(2, "Price samples, partitioned by day")]
public sealed class M002_PriceSamples : Migration
{
    /// <summary>The partition functions as this migration made them; also what M010's Down restores.</summary>
    internal const string PartitionFunctions = """
        CREATE OR REPLACE FUNCTION ensure_price_sample_partition(day date) RETURNS boolean
        LANGUAGE plpgsql AS $$
        DECLARE
            part text := 'price_sample_' || to_char(day, 'YYYYMMDD');
            lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
            hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
        BEGIN
            IF to_regclass(part) IS NOT NULL THEN
                RETURN false;
            END IF;
            -- Replicas may race to create the same day.
            PERFORM pg_advisory_xact_lock(hashtext('ensure_price_sample_partition'));
            IF to_regclass(part) IS NOT NULL THEN
                RETURN false;
            END IF;
            EXECUTE format('CREATE TABLE %I (LIKE price_sample INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            -- Rows that landed in the default partition before their day existed move with it,
            -- or the attach would fail on them.
            EXECUTE format(
                'WITH moved AS (DELETE FROM price_sample_default WHERE last_updated_at >= %L AND last_updated_at < %L RETURNING *)
                 INSERT INTO %I SELECT * FROM moved', lo, hi, part);
            EXECUTE format('ALTER TABLE price_sample ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
            RETURN true;
        END $$;

        CREATE OR REPLACE FUNCTION drop_price_sample_partitions_before(day date) RETURNS integer
        LANGUAGE plpgsql AS $$
        DECLARE
            part record;
            dropped integer := 0;
        BEGIN
            FOR part IN
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'price_sample'::regclass
                  AND c.relname ~ '^price_sample_\d{8}$'
                  AND to_date(substr(c.relname, 14), 'YYYYMMDD') < day
            LOOP
                EXECUTE format('DROP TABLE %I', part.relname);
                dropped := dropped + 1;
            END LOOP;
            DELETE FROM price_sample_default WHERE last_updated_at < day::timestamp AT TIME ZONE 'UTC';
            DELETE FROM price_sample_extra WHERE last_updated_at < day::timestamp AT TIME ZONE 'UTC';
            RETURN dropped;
        END $$;
        """;

    public override void Up()
    {
        var priceColumns = string.Join(",\n    ", M001_CoinsAndCurrencies.SeededCurrencies.Select(c => $"\"{c}\" double precision"));

        // One row per (coin, CoinGecko last_updated_at): a stale price polled again collides with its key.
        // Columns rather than an array per row: an array header costs 24 bytes a sample, and a nullable array
        // column for later currencies would give every row a null bitmap (see docs/data-model.md).
        // Daily range partitions make retention a DROP TABLE and let the hot reads prune to the days they touch.
        Execute.Sql($"""
            CREATE TABLE price_sample (
                coin_key        integer NOT NULL,
                cycle_id        integer NOT NULL,
                last_updated_at timestamptz NOT NULL,
                {priceColumns},
                PRIMARY KEY (coin_key, last_updated_at)
            ) PARTITION BY RANGE (last_updated_at);

            -- Prices in currencies CoinGecko added after the seeded 62: rare, so one narrow row per price.
            CREATE TABLE price_sample_extra (
                coin_key        integer NOT NULL,
                last_updated_at timestamptz NOT NULL,
                currency_key    smallint NOT NULL,
                price           double precision NOT NULL,
                PRIMARY KEY (coin_key, currency_key, last_updated_at)
            );

            -- Catches what no daily partition covers: long-dead coins whose last update is years old.
            CREATE TABLE price_sample_default PARTITION OF price_sample DEFAULT;

            -- Rows arrive in time order, so a BRIN index serves "all coins over a window" at almost no size.
            CREATE INDEX price_sample_last_updated_at ON price_sample USING brin (last_updated_at);
            """);

        Execute.Sql(PartitionFunctions);
        Execute.Sql("""
            SELECT ensure_price_sample_partition(d::date)
            FROM generate_series(current_date - 1, current_date + 3, interval '1 day') d;
            """);
    }

    public override void Down() => Execute.Sql("""
        DROP FUNCTION drop_price_sample_partitions_before(date);
        DROP FUNCTION ensure_price_sample_partition(date);
        DROP TABLE price_sample_extra;
        DROP TABLE price_sample;
        """);
}
