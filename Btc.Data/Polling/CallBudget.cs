using Dapper;
using Npgsql;

namespace Btc.Data.Polling;

/// <summary>
/// The CoinGecko call budget shared by every replica: a sliding one-minute log of calls in PostgreSQL,
/// counted under an advisory lock, so N replicas together stay under the limit that one would.
/// </summary>
public sealed class CallBudget(NpgsqlDataSource db)
{
    /// <summary>
    /// Takes one call from the budget, or says when the next one may be had. A granted call is counted against
    /// <paramref name="source"/> in the same statement: every attempt is counted once it may be made.
    /// </summary>
    public async Task<(bool Granted, DateTime? RetryAt)> TryTakeAsync(int callsPerMinute, CallSource? source, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT pg_advisory_xact_lock(hashtext('coingecko_call'));
            DELETE FROM coingecko_call WHERE called_at <= clock_timestamp() - interval '1 minute';
            WITH s AS (
                SELECT now.t,
                       (SELECT blocked_until FROM coingecko_block) AS blocked_until,
                       (SELECT count(*) FROM coingecko_call) AS used,
                       (SELECT min(called_at) FROM coingecko_call) AS oldest
                FROM (SELECT clock_timestamp() AS t) now
            ), ins AS (
                INSERT INTO coingecko_call (called_at)
                SELECT t FROM s WHERE blocked_until <= t AND used < @callsPerMinute
                RETURNING called_at
            ), page AS (
                UPDATE poll_cycle_page SET calls_used = calls_used + 1
                 WHERE cycle_id = @cycleId AND page_no = @pageNo AND EXISTS (SELECT 1 FROM ins)
            ), cycle AS (
                UPDATE poll_cycle SET calls_used = calls_used + 1
                 WHERE cycle_id = @cycleId AND @pageNo::integer IS NULL AND EXISTS (SELECT 1 FROM ins)
            )
            SELECT EXISTS (SELECT 1 FROM ins) AS Granted,
                   greatest(CASE WHEN blocked_until > t THEN blocked_until END,
                            CASE WHEN used >= @callsPerMinute THEN oldest + interval '1 minute' END) AS RetryAt
            FROM s;
            """, new { callsPerMinute, cycleId = source?.CycleId, pageNo = source?.PageNo }, cancellationToken: ct));
        await results.ReadAsync();
        return await results.ReadSingleAsync<(bool, DateTime?)>();
    }

    /// <summary>Stops every replica's calls until <paramref name="until"/> (a 429's Retry-After).</summary>
    public async Task BlockUntilAsync(DateTime until, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE coingecko_block SET blocked_until = greatest(blocked_until, @until)", new { until }, cancellationToken: ct));
    }
}
