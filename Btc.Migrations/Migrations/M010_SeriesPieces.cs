using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// Series pieces (docs/decisions/0003-storage-layout.md): a coin's samples of a complete hour, or of a quarter of the
/// current hour, as one row per group of five seeded currencies, so that a coin's day reads from ~30 pages instead
/// of 1,440. Partitioned by day beside price_sample: the same function creates both days and retention drops both.
/// </summary>
[Migration(10, "Series pieces: compacted hours and quarters of the samples")]
public sealed class M010_SeriesPieces : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE price_series_piece (
                coin_key integer     NOT NULL,
                grp      smallint    NOT NULL,  -- (currency_key - 1) / 5
                start    timestamptz NOT NULL,  -- the piece covers [start, the next piece's start)
                t        smallint[]  NOT NULL,  -- seconds after start, ascending
                p        float8[]    NOT NULL,  -- the group's currencies one after another: with n = cardinality(t) and
                                                -- r = (currency_key - 1) % 5, p[r * n + i] is the price at t[i] (NULL: none)
                PRIMARY KEY (coin_key, grp, start)
            ) PARTITION BY RANGE (start);

            -- Every sample from pieces_from to pieces_until is in a piece, unless its (coin, hour) is marked stale;
            -- samples before pieces_from (stored before compaction began, or years old) are read raw.
            CREATE TABLE price_series_compaction (
                only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                pieces_from  timestamptz NOT NULL,
                pieces_until timestamptz NOT NULL
            );

            -- Hours of a coin holding a sample stored after its piece may have been written: read raw until rebuilt.
            -- marks counts the marking, so the compactor deletes a mark only if no page marked it again meanwhile.
            CREATE TABLE price_series_stale (
                coin_key integer     NOT NULL,
                hour     timestamptz NOT NULL,
                marks    integer     NOT NULL DEFAULT 1,
                PRIMARY KEY (coin_key, hour)
            );

            -- Compaction starts with the oldest day of samples and catches up from there.
            INSERT INTO price_series_compaction (pieces_from, pieces_until)
            SELECT d, d FROM (
                SELECT coalesce(min(to_date(substr(c.relname, 14), 'YYYYMMDD')), current_date - 1)::timestamp AT TIME ZONE 'UTC' AS d
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'price_sample'::regclass AND c.relname ~ '^price_sample_\d{8}$'
            ) oldest;
            """);

        Execute.Sql(PartitionFunctions);
        Execute.Sql("""
            -- Pieces for the days that already have samples.
            SELECT ensure_price_sample_partition(to_date(substr(c.relname, 14), 'YYYYMMDD'))
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'price_sample'::regclass AND c.relname ~ '^price_sample_\d{8}$';
            """);
    }

    /// <summary>The partition functions as this migration leaves them (M013's Down puts them back).</summary>
    public const string PartitionFunctions = """
            CREATE OR REPLACE FUNCTION ensure_price_sample_partition(day date) RETURNS boolean
            LANGUAGE plpgsql AS $$
            DECLARE
                part text := 'price_sample_' || to_char(day, 'YYYYMMDD');
                piece text := 'price_series_piece_' || to_char(day, 'YYYYMMDD');
                lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
                hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
            BEGIN
                IF to_regclass(part) IS NOT NULL AND to_regclass(piece) IS NOT NULL THEN
                    RETURN false;
                END IF;
                -- Replicas may race to create the same day.
                PERFORM pg_advisory_xact_lock(hashtext('ensure_price_sample_partition'));
                IF to_regclass(piece) IS NULL THEN
                    -- 2.6 kB pieces stay inline, three to a page, instead of being moved out to TOAST at 2 kB.
                    EXECUTE format('CREATE TABLE %I (LIKE price_series_piece INCLUDING DEFAULTS INCLUDING CONSTRAINTS) WITH (toast_tuple_target = 4000)', piece);
                    EXECUTE format('ALTER TABLE price_series_piece ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', piece, lo, hi);
                END IF;
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
                -- Dropping a partition locks its parent: both parents first, in the order compaction steps and series
                -- reads take them (after any compaction step under way), so that neither deadlocks with retention.
                PERFORM pg_advisory_xact_lock(hashtext('price_series_compactor'));
                LOCK TABLE price_series_piece, price_sample IN ACCESS EXCLUSIVE MODE;
                FOR part IN
                    SELECT c.relname, i.inhparent = 'price_sample'::regclass AS is_sample FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE (i.inhparent = 'price_sample'::regclass AND c.relname ~ '^price_sample_\d{8}$'
                           AND to_date(substr(c.relname, 14), 'YYYYMMDD') < day)
                       OR (i.inhparent = 'price_series_piece'::regclass AND c.relname ~ '^price_series_piece_\d{8}$'
                           AND to_date(substr(c.relname, 20), 'YYYYMMDD') < day)
                LOOP
                    EXECUTE format('DROP TABLE %I', part.relname);
                    dropped := dropped + part.is_sample::integer;
                END LOOP;
                DELETE FROM price_sample_default WHERE last_updated_at < day::timestamp AT TIME ZONE 'UTC';
                DELETE FROM price_sample_extra WHERE last_updated_at < day::timestamp AT TIME ZONE 'UTC';
                DELETE FROM price_series_stale WHERE hour < day::timestamp AT TIME ZONE 'UTC';
                -- Compaction never goes back to days that are gone.
                UPDATE price_series_compaction
                   SET pieces_from = greatest(pieces_from, day::timestamp AT TIME ZONE 'UTC'),
                       pieces_until = greatest(pieces_until, day::timestamp AT TIME ZONE 'UTC');
                RETURN dropped;
            END $$;
            """;

    public override void Down()
    {
        Execute.Sql(M002_PriceSamples.PartitionFunctions);
        Execute.Sql("""
            DROP TABLE price_series_stale;
            DROP TABLE price_series_compaction;
            DROP TABLE price_series_piece;
            """);
    }
}
