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
    /// <summary>A task is given up after this many failed calls (a coin CoinGecko no longer knows, an answer it cannot read).</summary>
    public const int MaxAttempts = 3;

    /// <summary>
    /// Records the gaps found since <paramref name="horizon"/>: a span longer than <paramref name="minimum"/> between
    /// two cycles that polled (CoinGecko answered a page, whether or not its prices were new), and — when <paramref name="firstDay"/> and the first cycle ever is recent — the
    /// day before it. A span overlapping one already recorded is never recorded again (the table's exclusion
    /// constraint), so replicas finding the same gap at once make one. Returns the gaps recorded now.
    /// </summary>
    public async Task<int> FindGapsAsync(DateTime horizon, TimeSpan minimum, bool firstDay, short[] currencyKeys, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH polled AS (
                SELECT c.scheduled_for FROM poll_cycle c
                WHERE c.scheduled_for >= @horizon
                  AND EXISTS (SELECT 1 FROM poll_cycle_page p WHERE p.cycle_id = c.cycle_id AND p.finished_at IS NOT NULL)
                UNION ALL
                -- A cycle before the horizon starts a gap at the horizon: an outage longer than the minute samples
                -- are kept is filled for the days they would still be kept.
                SELECT @horizon FROM (
                    SELECT 1 FROM poll_cycle c
                    WHERE c.scheduled_for < @horizon
                      AND EXISTS (SELECT 1 FROM poll_cycle_page p WHERE p.cycle_id = c.cycle_id AND p.finished_at IS NOT NULL)
                    ORDER BY c.scheduled_for DESC LIMIT 1) earlier
            ), spans AS (
                SELECT 'outage' AS kind, prev AS from_at, scheduled_for AS until_at
                FROM (SELECT scheduled_for, lag(scheduled_for) OVER (ORDER BY scheduled_for) AS prev FROM polled) s
                WHERE scheduled_for - prev > @minimum
                UNION ALL
                SELECT 'first-day', first - interval '1 day', first
                FROM (SELECT min(scheduled_for) AS first FROM polled) f
                WHERE @firstDay AND first IS NOT NULL
                  AND (SELECT min(scheduled_for) FROM poll_cycle) > clock_timestamp() - interval '1 hour'
                  AND NOT EXISTS (SELECT 1 FROM backfill_gap WHERE kind = 'first-day')
            ), gaps AS (
                INSERT INTO backfill_gap (kind, from_at, until_at)
                SELECT kind, from_at, until_at FROM spans ORDER BY from_at
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
    /// Takes the next task no other replica holds, oldest gap first, and keeps it locked in a transaction until
    /// <see cref="BackfillClaim.CompleteAsync"/> stores its points (or the claim is disposed: the task stays to do).
    /// Null when there is none.
    /// </summary>
    public async Task<BackfillClaim?> ClaimAsync(CancellationToken ct = default)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            var task = await connection.QuerySingleOrDefaultAsync<BackfillTask>(new CommandDefinition("""
                SELECT t.gap_id AS GapId, t.coin_key AS CoinKey, c.id AS CoinId, t.currency_key AS CurrencyKey, k.code AS CurrencyCode,
                       g.from_at AS "From", g.until_at AS Until, t.attempts AS Attempts
                FROM backfill_task t
                JOIN backfill_gap g USING (gap_id)
                JOIN coin c USING (coin_key)
                JOIN currency k USING (currency_key)
                WHERE t.done_at IS NULL
                ORDER BY t.gap_id, t.coin_key, t.currency_key
                LIMIT 1
                FOR UPDATE OF t SKIP LOCKED
                """, transaction: tx, cancellationToken: ct));
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

    /// <summary>Filled points before <paramref name="before"/> go with the minute samples they stood in for.</summary>
    public async Task<int> DropBeforeAsync(DateTime before, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_fill WHERE at < @before;
            DELETE FROM backfill_gap g WHERE until_at < @before
               AND NOT EXISTS (SELECT 1 FROM backfill_task t WHERE t.gap_id = g.gap_id AND t.done_at IS NULL);
            """, new { before }, cancellationToken: ct));
    }
}
