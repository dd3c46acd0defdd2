using Btc.Data.Coins;
using Dapper;
using Npgsql;

namespace Btc.Data.Polling;

public sealed class PollCycleStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Records a new cycle for a trigger of the poll job and fixes its pages. Returns null when the trigger
    /// already has a cycle: Hangfire is at-least-once, and a second run must not start a second cycle.
    /// </summary>
    public async Task<int?> CreateAsync(
        string triggerId, DateTime scheduledFor, int listCalls, IReadOnlyList<IReadOnlyList<TrackedCoin>> pages, CancellationToken ct = default)
    {
        var coinKeys = pages.Select(p => p.Select(c => c.CoinKey).ToArray()).ToArray();
        var pageSize = coinKeys.Length == 0 ? 0 : coinKeys.Max(p => p.Length);
        // Pages go in as one flat array and are cut apart in SQL: Npgsql has no ragged arrays.
        var flat = coinKeys.SelectMany(p => p.Concat(Enumerable.Repeat(0, pageSize - p.Length))).ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition("""
            WITH cycle AS (
                INSERT INTO poll_cycle (trigger_id, scheduled_for, calls_used, coins_requested, pages, finished_at)
                VALUES (@triggerId, @scheduledFor, @listCalls, @coins, @pageCount,
                        CASE WHEN @pageCount = 0 THEN clock_timestamp() END)
                ON CONFLICT (trigger_id) DO NOTHING
                RETURNING cycle_id
            ), pages AS (
                INSERT INTO poll_cycle_page (cycle_id, page_no, coin_keys)
                SELECT cycle.cycle_id, p, array_remove((@flat)[(p * @pageSize) + 1 : (p + 1) * @pageSize], 0)
                FROM cycle, generate_series(0, @pageCount - 1) p
            )
            SELECT cycle_id FROM cycle
            """,
            new { triggerId, scheduledFor, listCalls, coins = coinKeys.Sum(p => p.Length), pageCount = coinKeys.Length, flat, pageSize },
            cancellationToken: ct));
    }

    /// <summary>The cycle a trigger started and its unfinished pages, for a second run of that trigger.</summary>
    public async Task<(int CycleId, IReadOnlyList<int> UnfinishedPages)?> FindByTriggerAsync(string triggerId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<(int CycleId, int? PageNo)>(new CommandDefinition("""
            SELECT c.cycle_id, p.page_no
            FROM poll_cycle c LEFT JOIN poll_cycle_page p ON p.cycle_id = c.cycle_id AND p.finished_at IS NULL
            WHERE c.trigger_id = @triggerId
            ORDER BY p.page_no
            """, new { triggerId }, cancellationToken: ct))).AsList();
        return rows.Count == 0 ? null : (rows[0].CycleId, rows.Where(r => r.PageNo is not null).Select(r => r.PageNo!.Value).ToArray());
    }

    public async Task<PollCycle?> GetAsync(int cycleId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PollCycle>(new CommandDefinition(
            SelectCycles + " WHERE cycle_id = @cycleId", new { cycleId }, cancellationToken: ct));
    }

    public async Task<CyclePage?> GetPageAsync(int cycleId, int pageNo, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<(bool Finished, DateTime StartedAt, int CoinKey, string Id)>(new CommandDefinition("""
            SELECT p.finished_at IS NOT NULL, y.started_at, c.coin_key, c.id
            FROM poll_cycle_page p
            JOIN poll_cycle y ON y.cycle_id = p.cycle_id
            JOIN coin c ON c.coin_key = ANY(p.coin_keys)
            WHERE p.cycle_id = @cycleId AND p.page_no = @pageNo
            ORDER BY c.id
            """, new { cycleId, pageNo }, cancellationToken: ct))).AsList();
        return rows.Count == 0
            ? null
            : new CyclePage(cycleId, pageNo, rows[0].StartedAt, rows.Select(r => new TrackedCoin(r.CoinKey, r.Id)).ToArray(), rows[0].Finished);
    }

    /// <summary>
    /// Finishes the cycle if no page of it is open; true for the one call that did. Pages write only their own
    /// rows (see M007), so each calls this after its commit: the call after the last page's commit sees no page
    /// open, and when the last two commit together and both see it, the row's lock lets only the first set
    /// finished_at. The row is locked only when it matches, so open cycles cost pages no waiting.
    /// </summary>
    public async Task<bool> TryFinishAsync(int cycleId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            WITH finished AS (
                UPDATE poll_cycle SET finished_at = clock_timestamp()
                 WHERE cycle_id = @cycleId AND finished_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM poll_cycle_page WHERE cycle_id = @cycleId AND finished_at IS NULL)
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM finished)
            """, new { cycleId }, cancellationToken: ct));
    }

    /// <summary>Counts a failed attempt of a page against the page and its cycle.</summary>
    public async Task RecordPageErrorAsync(int cycleId, int pageNo, string error, int callsUsed, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE poll_cycle_page
               SET errors = errors + 1, last_error = @error, calls_used = calls_used + @callsUsed
             WHERE cycle_id = @cycleId AND page_no = @pageNo;
            UPDATE poll_cycle
               SET errors = errors + 1, last_error = @error
             WHERE cycle_id = @cycleId;
            """, new { cycleId, pageNo, error, callsUsed }, cancellationToken: ct));
    }

    /// <summary>When the newest finished cycle finished, or null before the first.</summary>
    public async Task<DateTime?> LastFinishedAtAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(
            "SELECT finished_at FROM poll_cycle WHERE finished_at IS NOT NULL ORDER BY cycle_id DESC LIMIT 1", cancellationToken: ct));
    }

    public async Task<IReadOnlyList<PollCycle>> RecentAsync(int count, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PollCycle>(new CommandDefinition(
            SelectCycles + " ORDER BY scheduled_for DESC, cycle_id DESC LIMIT @count", new { count }, cancellationToken: ct));
        return rows.AsList();
    }

    // The totals are summed from the pages: pages never write their cycle's row (see M007).
    private const string SelectCycles = """
        SELECT c.cycle_id AS CycleId, c.scheduled_for AS ScheduledFor, c.started_at AS StartedAt, c.finished_at AS FinishedAt,
               c.coins_requested AS CoinsRequested, c.pages AS Pages, p.done AS PagesDone, p.rows_stored AS RowsStored,
               p.skipped AS Skipped, p.stale AS Stale, c.calls_used + p.calls_used AS CallsUsed, c.errors AS Errors, c.last_error AS LastError
        FROM poll_cycle c
        CROSS JOIN LATERAL (
            SELECT count(finished_at)::int AS done, coalesce(sum(rows_stored), 0)::int AS rows_stored,
                   coalesce(sum(skipped), 0)::int AS skipped, coalesce(sum(stale), 0)::int AS stale, coalesce(sum(calls_used), 0)::int AS calls_used
            FROM poll_cycle_page WHERE cycle_id = c.cycle_id) p
        """;
}
