using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// One compressed copy of the minute tier (issue 22, docs/decisions/0006): a coin's samples of an hour (a quarter of
/// the current hour) in every seeded currency as one bytea piece (Btc.Data/History/Series/Codec), the rates each
/// quarter's answers were inferred to hold stored once in price_rate, and the raw samples deleted as their span is
/// packed. Compaction starts again from the oldest raw sample: the series-compaction job converts the old layout's
/// hours in the background (raw samples are the source; the old pieces of each hour go in the same transaction),
/// and reads take raw samples where nothing is packed yet, so the API serves throughout.
/// </summary>
[Migration(13, "Packed pieces: one compressed copy of the minute tier")]
public sealed class M013_PackedPieces : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE price_piece (
                coin_key integer     NOT NULL,
                start    timestamptz NOT NULL,  -- an hour, or a quarter of an hour not complete when it was packed
                data     bytea       NOT NULL,  -- SeriesPieceCodec: times and every seeded currency's prices
                PRIMARY KEY (coin_key, start)
            ) PARTITION BY RANGE (start);

            -- The rates of a quarter of an hour, inferred from its answers: 16 spans of a minute starting at offset_s
            -- seconds after the quarter's start plus k minutes (k = -1 … 14), each `columns` factors by currency_key
            -- (NULL: none inferred). Written once, before any piece that uses them, and never changed.
            CREATE TABLE price_rate (
                quarter  timestamptz PRIMARY KEY,
                offset_s smallint    NOT NULL,
                columns  smallint    NOT NULL,
                rates    float8[]    NOT NULL
            );

            -- Pack again from the oldest raw sample: the old pieces are converted hour by hour.
            UPDATE price_series_compaction SET pieces_until = pieces_from;
            DELETE FROM price_series_stale;
            """);
        Execute.Sql(PartitionFunctions);
        Execute.Sql("""
            SELECT ensure_price_sample_partition(to_date(substr(c.relname, 14), 'YYYYMMDD'))
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'price_sample'::regclass AND c.relname ~ '^price_sample_\d{8}$';
            """);
    }

    private const string PartitionFunctions = """
        CREATE OR REPLACE FUNCTION ensure_price_sample_partition(day date) RETURNS boolean
        LANGUAGE plpgsql AS $$
        DECLARE
            part text := 'price_sample_' || to_char(day, 'YYYYMMDD');
            piece text := 'price_piece_' || to_char(day, 'YYYYMMDD');
            lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
            hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
        BEGIN
            IF to_regclass(part) IS NOT NULL AND to_regclass(piece) IS NOT NULL THEN
                RETURN false;
            END IF;
            -- Replicas may race to create the same day.
            PERFORM pg_advisory_xact_lock(hashtext('ensure_price_sample_partition'));
            IF to_regclass(piece) IS NULL THEN
                EXECUTE format('CREATE TABLE %I (LIKE price_piece INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', piece);
                EXECUTE format('ALTER TABLE price_piece ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', piece, lo, hi);
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
            -- Dropping a partition locks its parent: the parents first, in the order compaction steps and series
            -- reads take them (after any compaction step under way), so that neither deadlocks with retention.
            PERFORM pg_advisory_xact_lock(hashtext('price_series_compactor'));
            LOCK TABLE price_piece, price_series_piece, price_sample IN ACCESS EXCLUSIVE MODE;
            FOR part IN
                SELECT c.relname, i.inhparent = 'price_sample'::regclass AS is_sample FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE (i.inhparent = 'price_sample'::regclass AND c.relname ~ '^price_sample_\d{8}$'
                       AND to_date(substr(c.relname, 14), 'YYYYMMDD') < day)
                   OR (i.inhparent = 'price_piece'::regclass AND c.relname ~ '^price_piece_\d{8}$'
                       AND to_date(substr(c.relname, 13), 'YYYYMMDD') < day)
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
        Execute.Sql(M010_SeriesPieces.PartitionFunctions);
        Execute.Sql("""
            DROP TABLE price_rate;
            DROP TABLE price_piece;
            UPDATE price_series_compaction SET pieces_until = pieces_from;
            """);
    }
}
