using Btc.Data.Prices;
using Dapper;
using Npgsql;

namespace Btc.Data.Backfill;

/// <summary>
/// Gap filling's ledger: the spans no cycle polled (found from the cycles' own record), one task per tracked coin and
/// backfill currency, and the filled points, which never mix with polled samples (docs/decisions/0004).
/// </summary>
public sealed class BackfillStore(NpgsqlDataSource db)
{
    /// <summary>
    /// A task is given up after this many failed calls (a coin CoinGecko no longer knows, an answer it cannot read).
    /// </summary>
    public const int MaxAttempts = 3;

    /// <summary>
    /// Records the gaps found since <paramref name="horizon"/>: a wait between two cycles that polled (CoinGecko
    /// answered a page, whether or not its prices were new) longer by <paramref name="minimum"/> than the schedule
    /// meant (its cadence, stretched or not, kept with each cycle), and — when <paramref name="firstDay"/> and the
    /// first cycle ever is recent — the day before it. A span overlapping one already recorded is never recorded
    /// again (the table's exclusion constraint), so replicas finding the same gap at once make one. Returns the gaps
    /// recorded now.
    /// </summary>
    public async Task<int> FindGapsAsync(
        DateTime horizon, TimeSpan minimum, bool firstDay, short[] currencyKeys, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH polled AS (
                SELECT c.scheduled_for, coalesce(c.cadence_seconds, 0) AS cadence_seconds FROM poll_cycle c
                WHERE c.scheduled_for >= @horizon
                  AND EXISTS (SELECT 1 FROM poll_cycle_page p WHERE p.cycle_id = c.cycle_id
                      AND p.finished_at IS NOT NULL)
                UNION ALL
                -- A cycle before the horizon starts a gap at the horizon: an outage longer than the minute samples
                -- are kept is filled for the days they would still be kept.
                SELECT @horizon, 0 FROM (
                    SELECT 1 FROM poll_cycle c
                    WHERE c.scheduled_for < @horizon
                      AND EXISTS (SELECT 1 FROM poll_cycle_page p WHERE p.cycle_id = c.cycle_id
                          AND p.finished_at IS NOT NULL)
                    ORDER BY c.scheduled_for DESC LIMIT 1) earlier
            ), spans AS (
                -- Longer than the schedule meant to wait (every Nth firing when the month is stretched) by more
                -- than the minimum.
                SELECT 'outage' AS kind, prev AS from_at, scheduled_for AS until_at
                FROM (SELECT scheduled_for, cadence_seconds,
                             lag(scheduled_for) OVER (ORDER BY scheduled_for) AS prev
                      FROM polled) s
                WHERE scheduled_for - prev - make_interval(secs => cadence_seconds) > @minimum
                UNION ALL
                SELECT 'first-day', first - interval '1 day', first
                FROM (SELECT min(scheduled_for) AS first FROM polled) f
                WHERE @firstDay AND first > clock_timestamp() - interval '1 hour'
                  AND NOT EXISTS (SELECT 1 FROM backfill_gap WHERE kind = 'first-day')
            ), split AS (
                -- CoinGecko answers 5-minute points only for a range starting within a day of now: a longer span is
                -- asked in two, its last 23 hours apart (an hour's slack for the queue to reach it).
                SELECT kind, from_at, until_at FROM spans WHERE until_at - from_at <= interval '25 hours'
                UNION ALL
                SELECT kind, from_at, until_at - interval '23 hours' FROM spans
                    WHERE until_at - from_at > interval '25 hours'
                UNION ALL
                SELECT kind, until_at - interval '23 hours', until_at FROM spans
                    WHERE until_at - from_at > interval '25 hours'
            ), gaps AS (
                INSERT INTO backfill_gap (kind, from_at, until_at)
                SELECT kind, from_at, until_at FROM split ORDER BY from_at
                ON CONFLICT DO NOTHING
                RETURNING gap_id
            ), tasks AS (
                INSERT INTO backfill_task (gap_id, coin_key, currency_key)
                SELECT g.gap_id, c.coin_key, k.currency_key
                FROM gaps g CROSS JOIN coin c CROSS JOIN unnest(@currencyKeys) AS k(currency_key)
                WHERE c.is_tracked
            )
            SELECT count(*)::integer FROM gaps
            """, new { horizon, minimum, firstDay, currencyKeys }, cancellationToken: ct));
    }

    /// <summary>
    /// The calls a new install's first day still needs (one per task not done), reserved from the month before the
    /// cadence is fitted to it: the tasks of the recorded first-day gap, or <paramref name="expected"/> before the gap
    /// is recorded while the install is new (no cycle more than an hour old); 0 once it is filled or never will be.
    /// </summary>
    public async Task<int> FirstDayCallsLeftAsync(int expected, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT CASE
                WHEN EXISTS (SELECT 1 FROM backfill_gap WHERE kind = 'first-day') THEN
                    (SELECT count(*)::integer FROM backfill_task t JOIN backfill_gap g USING (gap_id)
                     WHERE g.kind = 'first-day' AND t.done_at IS NULL)
                WHEN EXISTS (SELECT 1 FROM poll_cycle WHERE scheduled_for <= clock_timestamp() - interval '1 hour')
                    THEN 0
                ELSE @expected
            END
            """, new { expected }, cancellationToken: ct));
    }

    /// <summary>
    /// Takes the next task no other replica holds and none put off, oldest gap first (from <paramref name="horizon"/>
    /// on: older points would be dropped with the minute samples), and keeps it locked in a transaction until
    /// <see cref="BackfillClaim.CompleteAsync"/> stores its points (or the claim is disposed: the task stays to do).
    /// Null when there is none.
    /// </summary>
    public async Task<BackfillClaim?> ClaimAsync(DateTime horizon, CancellationToken ct = default)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            var task = await connection.QuerySingleOrDefaultAsync<BackfillTask>(new CommandDefinition("""
                SELECT t.gap_id AS GapId, t.coin_key AS CoinKey, c.id AS CoinId,
                       t.currency_key AS CurrencyKey, k.code AS CurrencyCode,
                       greatest(g.from_at, @horizon) AS "From", g.until_at AS Until, t.attempts AS Attempts
                FROM backfill_task t
                JOIN backfill_gap g USING (gap_id)
                JOIN coin c USING (coin_key)
                JOIN currency k USING (currency_key)
                WHERE t.done_at IS NULL AND t.next_try_at <= clock_timestamp() AND g.until_at > @horizon
                ORDER BY t.next_try_at, t.gap_id, t.coin_key, t.currency_key
                LIMIT 1
                FOR UPDATE OF t SKIP LOCKED
                """, new { horizon }, tx, cancellationToken: ct));
            if (task is not null)
                return new BackfillClaim(connection, tx, task);
            await tx.DisposeAsync();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    public async Task<BackfillProgress> ProgressAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<BackfillProgress>(new CommandDefinition("""
            SELECT count(DISTINCT gap_id)::integer AS Gaps, count(*)::integer AS Tasks,
                   count(done_at)::integer AS Done, coalesce(sum(calls), 0)::integer AS Calls,
                   coalesce(sum(points), 0)::integer AS Points, min(g.found_at) AS Since
            FROM backfill_task t JOIN backfill_gap g USING (gap_id)
            WHERE gap_id IN (SELECT gap_id FROM backfill_task WHERE done_at IS NULL)
            """, cancellationToken: ct));
    }

    /// <summary>
    /// Filled points before <paramref name="before"/> go with the minute samples they stood in for, and gaps that
    /// ended before it with their tasks, done or not: what they would fill would be dropped again.
    /// </summary>
    public async Task<int> DropBeforeAsync(DateTime before, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_fill WHERE at < @before;
            DELETE FROM backfill_gap WHERE until_at < @before;
            """, new { before }, cancellationToken: ct));
    }
}
