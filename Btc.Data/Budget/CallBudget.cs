using Dapper;
using Npgsql;

namespace Btc.Data.Budget;

/// <summary>
/// The CoinGecko call budget shared by every replica: a sliding one-minute log of calls and a count per calendar
/// month in PostgreSQL, decided under an advisory lock, so N replicas together stay under the limits that one would.
/// </summary>
public sealed class CallBudget(NpgsqlDataSource db)
{
    /// <summary>
    /// The sliding window calls are counted in: CoinGecko's minute and a second, since a call is counted here when it
    /// is granted and there when it arrives (a burst sent as the window moves on would otherwise meet the last
    /// minute's calls still counted there).
    /// </summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(61);

    /// <summary>
    /// Takes one call from the minute's and the month's budgets for <paramref name="source"/>, or says when the next
    /// one may be had. The month is the calendar month in UTC of <paramref name="now"/> (CoinGecko's); the minute's
    /// window runs on the database's clock, shared by every replica. A granted call is charged to
    /// <paramref name="source"/> in the same transaction: every attempt is counted once it may be made, and none twice.
    /// </summary>
    public async Task<BudgetDecision> TryTakeAsync(
        CallLimits limits, CallSource? source, DateTime now, CancellationToken ct = default)
    {
        var month = MonthOf(now);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            SELECT pg_advisory_xact_lock(hashtext('coingecko_call'));
            DELETE FROM coingecko_call WHERE called_at <= clock_timestamp() - @window;
            """, new { window = Window }, tx, cancellationToken: ct));
        var state = await connection.QuerySingleAsync<BudgetState>(new CommandDefinition("""
            SELECT clock_timestamp() AS Now,
                   (SELECT blocked_until FROM coingecko_block) AS BlockedUntil,
                   (SELECT count(*)::integer FROM coingecko_call) AS Used,
                   (SELECT min(called_at) FROM coingecko_call) AS Oldest,
                   (SELECT count(*)::integer FROM coingecko_call WHERE fill) AS Fills,
                   (SELECT min(called_at) FROM coingecko_call WHERE fill) AS OldestFill,
                   coalesce((SELECT calls FROM coingecko_month WHERE month = @month), 0)::bigint AS MonthUsed
            """, new { month = DateOnly.FromDateTime(month) }, tx, cancellationToken: ct));
        var decision = state.Decide(limits, month.AddMonths(1));
        if (decision.Granted)
            await ChargeAsync(connection, tx, state.Now, limits.Fill, month, source, ct);
        await tx.CommitAsync(ct);
        return decision;
    }

    private static Task ChargeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateTime calledAt, bool fill,
        DateTime month, CallSource? source, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO coingecko_call (called_at, fill) VALUES (@calledAt, @fill);
            INSERT INTO coingecko_month (month, calls) VALUES (@month, 1)
            ON CONFLICT (month) DO UPDATE SET calls = coingecko_month.calls + 1;
            UPDATE poll_cycle_page SET calls_used = calls_used + 1 WHERE cycle_id = @cycleId AND page_no = @pageNo;
            UPDATE poll_cycle SET calls_used = calls_used + 1
            WHERE cycle_id = @cycleId AND @pageNo::integer IS NULL;
            """, new
            {
                calledAt, fill, month = DateOnly.FromDateTime(month),
                cycleId = source?.CycleId, pageNo = source?.PageNo,
            }, tx, cancellationToken: ct));

    /// <summary>Gives a call back to its month: CoinGecko counts only successful calls.</summary>
    public async Task GiveBackAsync(DateTime calledAt, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE coingecko_month SET calls = calls - 1 WHERE month = @month AND calls > 0",
            new { month = DateOnly.FromDateTime(MonthOf(calledAt)) }, cancellationToken: ct));
    }

    /// <summary>Calls counted in <paramref name="now"/>'s month and in the budget's <see cref="Window"/>.</summary>
    public async Task<(int Minute, int Month)> UsedAsync(DateTime now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<(int, int)>(new CommandDefinition("""
            SELECT (SELECT count(*)::integer FROM coingecko_call WHERE called_at > clock_timestamp() - @window),
                   coalesce((SELECT calls FROM coingecko_month WHERE month = @month), 0)
            """,
            new { window = Window, month = DateOnly.FromDateTime(MonthOf(now)) },
            cancellationToken: ct));
    }

    /// <summary>The first instant of <paramref name="now"/>'s calendar month in UTC.</summary>
    public static DateTime MonthOf(DateTime now) => new(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Stops every replica's calls until <paramref name="until"/> (a 429's Retry-After).</summary>
    public async Task BlockUntilAsync(DateTime until, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE coingecko_block SET blocked_until = greatest(blocked_until, @until)", new { until },
            cancellationToken: ct));
    }
}
