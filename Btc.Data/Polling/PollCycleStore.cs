using Btc.Data.Coins;
using Dapper;
using Npgsql;

namespace Btc.Data.Polling;

public sealed class PollCycleStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Records the cycle of a trigger of the poll job, before anything is asked of CoinGecko, so that a cycle whose
    /// coin list fails still has its row. A new cycle supersedes every page of older cycles not stored yet, and
    /// closes those cycles: it polls the same coins, fresher. A second run of the same trigger (Hangfire is
    /// at-least-once) finds the cycle the first run started.
    /// </summary>
    public async Task<CycleStart> StartAsync(
        string triggerId, DateTime scheduledFor, CancellationToken ct = default, int? cadenceSeconds = null)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var created = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition("""
            INSERT INTO poll_cycle (trigger_id, scheduled_for, cadence_seconds)
            VALUES (@triggerId, @scheduledFor, @cadenceSeconds)
            ON CONFLICT (trigger_id) DO NOTHING
            RETURNING cycle_id
            """, new { triggerId, scheduledFor, cadenceSeconds }, tx, cancellationToken: ct));
        CycleStart start;
        if (created is { } cycleId)
        {
            // The newest superseded cycle's pages go first in this one, so that a budget too small for a whole
            // cycle still reaches every coin in turn.
            var superseded = (await connection.QueryAsync<int>(new CommandDefinition("""
                WITH superseded AS (
                    UPDATE poll_cycle_page SET superseded_by = @cycleId
                     WHERE finished_at IS NULL AND superseded_by IS NULL AND cycle_id < @cycleId
                    RETURNING cycle_id, page_no
                ), closed AS (
                    UPDATE poll_cycle SET finished_at = clock_timestamp()
                     WHERE finished_at IS NULL AND cycle_id < @cycleId
                )
                SELECT page_no FROM superseded
                WHERE cycle_id = (SELECT max(cycle_id) FROM superseded)
                ORDER BY page_no
                """, new { cycleId }, tx, cancellationToken: ct))).AsList();
            start = new CycleStart(cycleId, false, null, superseded);
        }
        else
        {
            var existing = await connection.QuerySingleAsync<(int CycleId, bool Finished, int Pages)>(
                new CommandDefinition(
                "SELECT cycle_id, finished_at IS NOT NULL, pages FROM poll_cycle WHERE trigger_id = @triggerId",
                new { triggerId }, tx, cancellationToken: ct));
            var open = (await connection.QueryAsync<int>(new CommandDefinition("""
                SELECT page_no FROM poll_cycle_page
                WHERE cycle_id = @CycleId AND finished_at IS NULL AND superseded_by IS NULL ORDER BY page_no
                """, existing, tx, cancellationToken: ct))).AsList();
            start = new CycleStart(existing.CycleId, existing.Finished, existing.Pages > 0 ? open : null, []);
        }
        await tx.CommitAsync(ct);
        return start;
    }

    /// <summary>
    /// Fixes the cycle's pages, unless a newer cycle closed it while its coin list was being read; false then.
    /// A cycle of no coins is finished at once.
    /// </summary>
    public async Task<bool> SetPagesAsync(
        int cycleId, IReadOnlyList<IReadOnlyList<TrackedCoin>> pages, CancellationToken ct = default)
    {
        var coinKeys = pages.Select(p => p.Select(c => c.CoinKey).ToArray()).ToArray();
        var pageSize = coinKeys.Length == 0 ? 0 : coinKeys.Max(p => p.Length);
        // Pages go in as one flat array and are cut apart in SQL: Npgsql has no ragged arrays.
        var flat = coinKeys.SelectMany(p => p.Concat(Enumerable.Repeat(0, pageSize - p.Length))).ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            WITH cycle AS (
                UPDATE poll_cycle
                   SET coins_requested = @coins, pages = @pageCount,
                       finished_at = CASE WHEN @pageCount = 0 THEN clock_timestamp() END
                 WHERE cycle_id = @cycleId AND finished_at IS NULL AND pages = 0
                RETURNING cycle_id
            ), pages AS (
                INSERT INTO poll_cycle_page (cycle_id, page_no, coin_keys)
                SELECT cycle.cycle_id, p, array_remove((@flat)[(p * @pageSize) + 1 : (p + 1) * @pageSize], 0)
                FROM cycle, generate_series(0, @pageCount - 1) p
            )
            SELECT EXISTS (SELECT 1 FROM cycle)
            """,
            new { cycleId, coins = coinKeys.Sum(p => p.Length), pageCount = coinKeys.Length, flat, pageSize },
            cancellationToken: ct));
    }

    /// <summary>
    /// A cycle with its pages at once, as the worker's first steps leave it (for the fill and for tests).
    /// </summary>
    public async Task<int> CreateAsync(
        string triggerId, DateTime scheduledFor, IReadOnlyList<IReadOnlyList<TrackedCoin>> pages,
        CancellationToken ct = default)
    {
        var start = await StartAsync(triggerId, scheduledFor, ct);
        await SetPagesAsync(start.CycleId, pages, ct);
        return start.CycleId;
    }

    /// <summary>
    /// Ends a cycle that could not start its pages (its coin list failed, or it started too late) with the reason.
    /// </summary>
    public async Task FailAsync(int cycleId, string error, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE poll_cycle
               SET errors = errors + 1, last_error = @error, finished_at = coalesce(finished_at, clock_timestamp())
             WHERE cycle_id = @cycleId
            """, new { cycleId, error }, cancellationToken: ct));
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
        var command = new CommandDefinition("""
            SELECT p.finished_at IS NOT NULL, p.superseded_by IS NOT NULL, y.started_at, c.coin_key, c.id
            FROM poll_cycle_page p
            JOIN poll_cycle y ON y.cycle_id = p.cycle_id
            JOIN coin c ON c.coin_key = ANY(p.coin_keys)
            WHERE p.cycle_id = @cycleId AND p.page_no = @pageNo
            ORDER BY c.id
            """, new { cycleId, pageNo }, cancellationToken: ct);
        var rows = (await connection.QueryAsync<(bool Finished, bool Superseded, DateTime StartedAt, int CoinKey,
            string Id)>(command)).AsList();
        return rows.Count == 0
            ? null
            : new CyclePage(
                cycleId, pageNo, rows[0].StartedAt, rows.Select(r => new TrackedCoin(r.CoinKey, r.Id)).ToArray(),
                rows[0].Finished, rows[0].Superseded);
    }

    /// <summary>
    /// Finishes the cycle if no page of it is open (stored or superseded); true for the one call that did. Pages write
    /// only their own rows (see M007), so each calls this after its commit: the call after the last page's commit sees
    /// no page open, and when the last two commit together and both see it, the row's lock lets only the first set
    /// finished_at. The row is locked only when it matches, so open cycles cost pages no waiting.
    /// </summary>
    public async Task<bool> TryFinishAsync(int cycleId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            WITH finished AS (
                UPDATE poll_cycle SET finished_at = clock_timestamp()
                 WHERE cycle_id = @cycleId AND finished_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM poll_cycle_page
                                   WHERE cycle_id = @cycleId AND finished_at IS NULL AND superseded_by IS NULL)
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM finished)
            """, new { cycleId }, cancellationToken: ct));
    }

    /// <summary>Counts a failed attempt of a page against the page and its cycle.</summary>
    public async Task RecordPageErrorAsync(int cycleId, int pageNo, string error, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE poll_cycle_page
               SET errors = errors + 1, last_error = @error
             WHERE cycle_id = @cycleId AND page_no = @pageNo;
            UPDATE poll_cycle
               SET errors = errors + 1, last_error = @error
             WHERE cycle_id = @cycleId;
            """, new { cycleId, pageNo, error }, cancellationToken: ct));
    }

    /// <summary>When the newest finished cycle finished, or null before the first.</summary>
    public async Task<DateTime?> LastFinishedAtAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(
            "SELECT finished_at FROM poll_cycle WHERE finished_at IS NOT NULL ORDER BY cycle_id DESC LIMIT 1",
            cancellationToken: ct));
    }

    public async Task<IReadOnlyList<PollCycle>> RecentAsync(int count, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PollCycle>(new CommandDefinition(
            SelectCycles + " ORDER BY scheduled_for DESC, cycle_id DESC LIMIT @count", new { count },
            cancellationToken: ct));
        return rows.AsList();
    }

    // The totals are summed from the pages: pages never write their cycle's row (see M007).
    private const string SelectCycles = """
        SELECT c.cycle_id AS CycleId, c.scheduled_for AS ScheduledFor, c.started_at AS StartedAt,
               c.finished_at AS FinishedAt, c.coins_requested AS CoinsRequested, c.pages AS Pages,
               p.done AS PagesDone, p.superseded AS PagesSuperseded, p.rows_stored AS RowsStored,
               p.skipped AS Skipped, p.stale AS Stale, p.refused AS Refused, p.refusal AS Refusal,
               c.calls_used + p.calls_used AS CallsUsed,
               c.errors AS Errors, c.last_error AS LastError,
               CASE WHEN c.finished_at IS NULL THEN 'running'
                    WHEN c.pages = 0 AND c.errors > 0 THEN 'failed'
                    WHEN c.pages > p.done THEN 'incomplete'
                    ELSE 'complete' END AS Outcome
        FROM poll_cycle c
        CROSS JOIN LATERAL (
            SELECT count(finished_at)::int AS done,
                   count(superseded_by) FILTER (WHERE finished_at IS NULL)::int AS superseded,
                   coalesce(sum(rows_stored), 0)::int AS rows_stored, coalesce(sum(refused), 0)::int AS refused,
                   string_agg(refusal, '; ' ORDER BY page_no) AS refusal,
                   coalesce(sum(skipped), 0)::int AS skipped, coalesce(sum(stale), 0)::int AS stale,
                   coalesce(sum(calls_used), 0)::int AS calls_used
            FROM poll_cycle_page WHERE cycle_id = c.cycle_id) p
        """;
}
