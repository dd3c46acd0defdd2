using System.Diagnostics;
using Btc.Data.Series;
using Dapper;
using Npgsql;

namespace Btc.Data.Bars;

/// <summary>
/// Rolls each complete UTC day's series pieces up into hour and day bars, in batches of coins, one transaction
/// each: a batch replaces what it writes and moves the progress in price_history with it, so a run killed at any
/// point, or run twice, leaves the same bars. Holds the compactor's lock, so that the pieces of a batch do not change
/// under it; a late sample rebuilt into a rolled-up day rolls that coin's day again (<see cref="RollUpAsync"/>).
/// </summary>
public sealed class BarRollup(NpgsqlDataSource db)
{
    // A batch of a day at 15,000 coins is about 1/15 of the day's pieces: seconds, not minutes, in one transaction.
    private const int CoinsPerBatch = 1000;

    /// <returns>The days completed in this run, and whether every complete day is rolled up.</returns>
    public async Task<(int Days, bool CaughtUp)> RunAsync(TimeSpan budget, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await db.OpenConnectionAsync(ct);
        var days = 0;
        // At least one step per run, however small the budget.
        do
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                $"SELECT pg_advisory_xact_lock({SeriesPieces.CompactorLock})", transaction: tx, cancellationToken: ct));
            var state = await connection.QuerySingleAsync<(DateOnly Day, int NextCoin, bool Complete, int MaxCoin)>(new CommandDefinition("""
                SELECT h.bars_until, h.next_coin_key,
                       c.pieces_until >= (h.bars_until + 1)::timestamp AT TIME ZONE 'UTC',
                       (SELECT coalesce(max(coin_key), 0) FROM coin)
                FROM price_history h, price_series_compaction c
                """, transaction: tx, cancellationToken: ct));
            if (!state.Complete)
                return (days, true);
            if (state.NextCoin > state.MaxCoin)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE price_history SET bars_until = bars_until + 1, next_coin_key = 0", transaction: tx, cancellationToken: ct));
                days++;
            }
            else
            {
                await RollUpAsync(connection, tx, state.Day, state.NextCoin, state.NextCoin + CoinsPerBatch, ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE price_history SET next_coin_key = @next", new { next = state.NextCoin + CoinsPerBatch }, tx, cancellationToken: ct));
            }
            await tx.CommitAsync(ct);
        }
        while (Stopwatch.GetElapsedTime(started) < budget);
        return (days, false);
    }

    /// <summary>
    /// Replaces the hour and day bars of <paramref name="day"/> for coin keys in [<paramref name="fromCoin"/>,
    /// <paramref name="toCoin"/>) with what that day's pieces say, each bar written in (coin, currency) order.
    /// </summary>
    internal static async Task RollUpAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateOnly day, int fromCoin, int toCoin, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_bar_hour WHERE day = @day AND coin_key >= @fromCoin AND coin_key < @toCoin;
            DELETE FROM price_bar_day WHERE day = @day AND coin_key >= @fromCoin AND coin_key < @toCoin;
            WITH hb AS MATERIALIZED (
                SELECT h.coin_key, (h.grp * 5 + r.i)::smallint AS currency_key, h.start,
                       b.open, b.high, b.low, b.close, b.total, b.count
                FROM price_series_piece h
                CROSS JOIN LATERAL generate_series(1, cardinality(h.p) / cardinality(h.t)) AS r(i)
                CROSS JOIN LATERAL (
                    SELECT (array_agg(u.v ORDER BY u.s))[1] AS open, max(u.v) AS high, min(u.v) AS low,
                           (array_agg(u.v ORDER BY u.s DESC))[1] AS close, sum(u.v) AS total, count(*)::int AS count
                    FROM unnest(h.t, h.p[(r.i - 1) * cardinality(h.t) + 1 : r.i * cardinality(h.t)]) AS u(s, v)
                    WHERE u.v IS NOT NULL
                ) b
                WHERE h.start >= @start AND h.start < @start + interval '1 day'
                  AND h.coin_key >= @fromCoin AND h.coin_key < @toCoin AND b.count > 0
            ), hours AS (
                INSERT INTO price_bar_hour (coin_key, currency_key, day, h, v)
                SELECT coin_key, currency_key, @day,
                       array_agg(extract(hour FROM start AT TIME ZONE 'UTC')::smallint ORDER BY start),
                       ARRAY[array_agg(open ORDER BY start), array_agg(high ORDER BY start), array_agg(low ORDER BY start),
                             array_agg(close ORDER BY start), array_agg(total / count ORDER BY start), array_agg(count::float8 ORDER BY start)]
                FROM hb GROUP BY coin_key, currency_key
                ORDER BY coin_key, currency_key
            )
            INSERT INTO price_bar_day (coin_key, currency_key, day, open, high, low, close, mean, count)
            SELECT coin_key, currency_key, @day, (array_agg(open ORDER BY start))[1], max(high), min(low),
                   (array_agg(close ORDER BY start DESC))[1], sum(total) / sum(count), sum(count)
            FROM hb GROUP BY coin_key, currency_key
            ORDER BY coin_key, currency_key;
            """, new { day, start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), fromCoin, toCoin }, tx, cancellationToken: ct));
    }
}
