using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// The monthly call budget beside the minute one, the cadence it allows, and gap filling: the spans no cycle polled,
/// one task per coin and currency, and the points filled from CoinGecko's history (kept apart from polled samples,
/// so that a read can leave them out and the ranks never see them: docs/decisions/0004).
/// </summary>
[Migration(12, "Monthly budget and backfill")]
public sealed class M012_MonthlyBudgetAndBackfill : Migration
{
    public override void Up() => Execute.Sql("""
        -- Gap filling's calls apart, so that it leaves the cycles their calls in every minute.
        ALTER TABLE coingecko_call ADD COLUMN fill boolean NOT NULL DEFAULT false;

        -- How long the schedule meant to wait before this cycle (every Nth firing): a longer wait without a cycle is a gap.
        ALTER TABLE poll_cycle ADD COLUMN cadence_seconds integer;

        -- Calls per calendar month in UTC, as CoinGecko counts them: taken before a call, given back when it is refused.
        CREATE TABLE coingecko_month (
            month date PRIMARY KEY,
            calls integer NOT NULL
        );

        -- What the worker last planned: its limits and the cadence the month allows, for /budget and to say a change once.
        CREATE TABLE coingecko_plan (
            only_row          boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            calls_per_minute  integer NOT NULL,
            calls_per_month   integer,
            calls_per_cycle   integer NOT NULL,
            cycle_minutes     double precision NOT NULL,
            every             integer NOT NULL,
            projected_month   bigint NOT NULL,
            last_polled_for   timestamptz,
            planned_at        timestamptz NOT NULL
        );

        -- A span in which no cycle stored prices (or the day before a new install's first cycle), filled once.
        CREATE TABLE backfill_gap (
            gap_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind       text NOT NULL CHECK (kind IN ('outage', 'first-day')),
            from_at    timestamptz NOT NULL,
            until_at   timestamptz NOT NULL CHECK (until_at > from_at),
            found_at   timestamptz NOT NULL DEFAULT now(),
            EXCLUDE USING gist (tstzrange(from_at, until_at) WITH &&)
        );

        -- One call: a coin's prices in one currency over its gap. Claimed with SKIP LOCKED inside the transaction
        -- that stores its points, so a task is fetched by one replica and stored once.
        CREATE TABLE backfill_task (
            gap_id       integer NOT NULL REFERENCES backfill_gap ON DELETE CASCADE,
            coin_key     integer NOT NULL,
            currency_key smallint NOT NULL,
            done_at      timestamptz,
            points       integer NOT NULL DEFAULT 0,
            calls        integer NOT NULL DEFAULT 0,
            attempts     integer NOT NULL DEFAULT 0,
            last_error   text,
            next_try_at  timestamptz NOT NULL DEFAULT '-infinity',
            PRIMARY KEY (gap_id, coin_key, currency_key)
        );
        CREATE INDEX backfill_task_pending ON backfill_task (next_try_at, gap_id, coin_key) WHERE done_at IS NULL;

        CREATE TABLE price_fill (
            coin_key     integer NOT NULL,
            currency_key smallint NOT NULL,
            at           timestamptz NOT NULL,
            price        double precision NOT NULL,
            PRIMARY KEY (coin_key, currency_key, at)
        );
        CREATE INDEX price_fill_at ON price_fill USING brin (at);
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE price_fill;
        DROP TABLE backfill_task;
        DROP TABLE backfill_gap;
        DROP TABLE coingecko_plan;
        DROP TABLE coingecko_month;
        ALTER TABLE coingecko_call DROP COLUMN fill;
        ALTER TABLE poll_cycle DROP COLUMN cadence_seconds;
        """);
}
