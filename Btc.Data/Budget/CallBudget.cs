using Dapper;
using Npgsql;

namespace Btc.Data.Budget;

/// <summary>
/// The CoinGecko call budget shared by every replica: a sliding one-minute log of calls in PostgreSQL,
/// counted under an advisory lock, so N replicas together stay under the limit that one would.
/// </summary>
public sealed class CallBudget(NpgsqlDataSource db)
{
    /// <summary>The sliding window calls are counted in: CoinGecko's minute and a second (see <see cref="TryTakeAsync"/>).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(61);

    /// <summary>
    /// Takes one call from the minute's and the month's budgets, or says when the next one may be had. The month is
    /// the calendar month in UTC of <paramref name="now"/> (CoinGecko's): the minute's window runs on the database's
    /// clock, shared by every replica, and lasts a second longer than CoinGecko's, since a call is counted here when
    /// it is granted and there when it arrives (a burst sent as the window moves on would otherwise meet the last
    /// minute's calls still counted there). A granted call is counted against <paramref name="source"/> in the same
    /// statement: every attempt is counted once it may be made.
    /// </summary>
    public async Task<(bool Granted, DateTime? RetryAt)> TryTakeAsync(CallLimits limits, CallSource? source, DateTime now, CancellationToken ct = default)
    {
        var month = MonthOf(now);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT pg_advisory_xact_lock(hashtext('coingecko_call'));
            DELETE FROM coingecko_call WHERE called_at <= clock_timestamp() - interval '61 seconds';
            WITH s AS (
                SELECT now.t,
                       (SELECT blocked_until FROM coingecko_block) AS blocked_until,
                       (SELECT count(*) FROM coingecko_call) AS used,
                       (SELECT min(called_at) FROM coingecko_call) AS oldest,
                       (SELECT count(*) FROM coingecko_call WHERE fill) AS fills,
                       (SELECT min(called_at) FROM coingecko_call WHERE fill) AS oldest_fill,
                       coalesce((SELECT calls FROM coingecko_month WHERE month = @month), 0) AS month_used
                FROM (SELECT clock_timestamp() AS t) now
            ), ins AS (
                INSERT INTO coingecko_call (called_at, fill)
                SELECT t, @fill FROM s
                WHERE blocked_until <= t AND used < @perMinute AND (NOT @fill OR fills < @perMinute - @minuteReserve)
                  AND (@perMonth::integer IS NULL OR month_used + @monthReserve < @perMonth)
                RETURNING called_at
            ), counted AS (
                INSERT INTO coingecko_month (month, calls) SELECT @month, 1 FROM ins
                ON CONFLICT (month) DO UPDATE SET calls = coingecko_month.calls + 1
            ), page AS (
                UPDATE poll_cycle_page SET calls_used = calls_used + 1
                 WHERE cycle_id = @cycleId AND page_no = @pageNo AND EXISTS (SELECT 1 FROM ins)
            ), cycle AS (
                UPDATE poll_cycle SET calls_used = calls_used + 1
                 WHERE cycle_id = @cycleId AND @pageNo::integer IS NULL AND EXISTS (SELECT 1 FROM ins)
            )
            SELECT EXISTS (SELECT 1 FROM ins) AS Granted,
                   CASE WHEN @perMonth::integer IS NOT NULL AND month_used + @monthReserve >= @perMonth THEN @nextMonth
                        ELSE greatest(CASE WHEN blocked_until > t THEN blocked_until END,
                                      CASE WHEN used >= @perMinute THEN oldest + interval '61 seconds' END,
                                      CASE WHEN @fill AND fills >= @perMinute - @minuteReserve THEN oldest_fill + interval '61 seconds' END)
                   END AS RetryAt
            FROM s;
            """, new
            {
                perMinute = limits.PerMinute, perMonth = limits.PerMonth, minuteReserve = limits.MinuteReserve, monthReserve = limits.MonthReserve, fill = limits.Fill,
                month = DateOnly.FromDateTime(month), nextMonth = month.AddMonths(1), cycleId = source?.CycleId, pageNo = source?.PageNo,
            }, cancellationToken: ct));
        await results.ReadAsync();
        return await results.ReadSingleAsync<(bool, DateTime?)>();
    }

    /// <summary>Gives a call back to its month: CoinGecko counts only successful calls.</summary>
    public async Task GiveBackAsync(DateTime calledAt, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE coingecko_month SET calls = calls - 1 WHERE month = @month AND calls > 0", new { month = DateOnly.FromDateTime(MonthOf(calledAt)) }, cancellationToken: ct));
    }

    /// <summary>Calls counted in <paramref name="now"/>'s month and in the budget's <see cref="Window"/>.</summary>
    public async Task<(int Minute, int Month)> UsedAsync(DateTime now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<(int, int)>(new CommandDefinition("""
            SELECT (SELECT count(*)::integer FROM coingecko_call WHERE called_at > clock_timestamp() - interval '61 seconds'),
                   coalesce((SELECT calls FROM coingecko_month WHERE month = @month), 0)
            """, new { month = DateOnly.FromDateTime(MonthOf(now)) }, cancellationToken: ct));
    }

    /// <summary>The first instant of <paramref name="now"/>'s calendar month in UTC.</summary>
    public static DateTime MonthOf(DateTime now) => new(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Stops every replica's calls until <paramref name="until"/> (a 429's Retry-After).</summary>
    public async Task BlockUntilAsync(DateTime until, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE coingecko_block SET blocked_until = greatest(blocked_until, @until)", new { until }, cancellationToken: ct));
    }
}
