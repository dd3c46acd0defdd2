using FluentMigrator;

namespace Btc.Migrations.Migrations;

[Migration(3, "Poll cycles, their pages, and the shared CoinGecko call budget")]
public sealed class M003_PollCycles : Migration
{
    public override void Up() => Execute.Sql("""
        -- One row per trigger of the poll job, keyed by its Hangfire job id: Hangfire is at-least-once,
        -- and a second run of the same trigger must find its cycle instead of starting another.
        CREATE TABLE poll_cycle (
            cycle_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            trigger_id      text NOT NULL UNIQUE,
            scheduled_for   timestamptz NOT NULL,
            started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
            finished_at     timestamptz,
            coins_requested integer NOT NULL DEFAULT 0,
            pages           integer NOT NULL DEFAULT 0,
            pages_done      integer NOT NULL DEFAULT 0,
            rows_stored     integer NOT NULL DEFAULT 0,
            skipped         integer NOT NULL DEFAULT 0,
            stale           integer NOT NULL DEFAULT 0,
            calls_used      integer NOT NULL DEFAULT 0,
            errors          integer NOT NULL DEFAULT 0,
            last_error      text
        );

        -- A page job's argument is (cycle, page); its coins are fixed here when the cycle starts,
        -- so a retry hours later still asks for the same coins.
        CREATE TABLE poll_cycle_page (
            cycle_id    integer NOT NULL REFERENCES poll_cycle ON DELETE CASCADE,
            page_no     integer NOT NULL,
            coin_keys   integer[] NOT NULL,
            finished_at timestamptz,
            rows_stored integer NOT NULL DEFAULT 0,
            skipped     integer NOT NULL DEFAULT 0,
            stale       integer NOT NULL DEFAULT 0,
            calls_used  integer NOT NULL DEFAULT 0,
            errors      integer NOT NULL DEFAULT 0,
            last_error  text,
            PRIMARY KEY (cycle_id, page_no)
        );

        -- Every CoinGecko call any replica makes, kept for a minute: a sliding window that the
        -- budget check counts under an advisory lock.
        CREATE INDEX poll_cycle_scheduled_for ON poll_cycle (scheduled_for);

        CREATE TABLE coingecko_call (
            called_at timestamptz NOT NULL
        );
        CREATE INDEX coingecko_call_called_at ON coingecko_call (called_at);

        -- Set from a 429's Retry-After so that every replica waits, not only the one that was refused.
        CREATE TABLE coingecko_block (
            only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            blocked_until timestamptz NOT NULL
        );
        INSERT INTO coingecko_block (blocked_until) VALUES ('-infinity');
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE coingecko_block;
        DROP TABLE coingecko_call;
        DROP TABLE poll_cycle_page;
        DROP TABLE poll_cycle;
        """);
}
