using Btc.Data.Copy;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.Volatility;

/// <summary>
/// The rank recompute's state: each complete hour's statistics per coin (price_hour_stats) and the window's complete
/// hours merged per coin (price_window_block), as <see cref="CoinSegments"/> encoded in one bytea per coin.
/// </summary>
internal sealed class HourStatsStore(NpgsqlDataSource db, SampleSummaries samples)
{
    /// <summary>
    /// Replaces an hour's statistics (all coins, marking it summarized, or only <paramref name="coins"/>) and commits.
    /// </summary>
    public async Task StoreHourAsync(
        DateTime hour, Dictionary<int, CoinSegments> stats, int[]? coins, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(coins is null
            ? """
                DELETE FROM price_hour_stats WHERE hour = @hour;
                INSERT INTO price_hour_summarized (hour) VALUES (@hour) ON CONFLICT DO NOTHING;
                """
            : "DELETE FROM price_hour_stats WHERE hour = @hour AND coin_key = ANY(@coins)",
            new { hour, coins }, tx, cancellationToken: ct));
        await WriteAsync(connection, "price_hour_stats (hour, coin_key, stats)", hour, stats, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// The complete hours' statistics merged per coin (all coins, or only <paramref name="coins"/>): the hours are
    /// split in two, each half read on a connection of its own.
    /// </summary>
    public async Task<Dictionary<int, CoinSegments>> MergeHoursAsync(
        RecomputeCurrencies currencies, DateTime fullFrom, DateTime fullTo, int[]? coins, CancellationToken ct)
    {
        var middle = fullFrom.AddHours(Math.Ceiling((fullTo - fullFrom).TotalHours / 2));
        var halves = new[] { (fullFrom, middle), (middle, fullTo) }.Select(half => samples.ReadAsync(async c =>
        {
            var merged = new Dictionary<int, CoinSegments>();
            var onlyCoins = coins is null ? "" : $"AND coin_key = ANY({CopyLiteral.Of(coins)})";
            await ReadAsync(c, currencies, $"""
                SELECT coin_key, stats FROM price_hour_stats
                WHERE hour >= {CopyLiteral.Of(half.Item1)} AND hour < {CopyLiteral.Of(half.Item2)} {onlyCoins}
                ORDER BY hour
                """, (coin, hour) =>
                {
                    if (merged.TryGetValue(coin, out var earlier))
                        earlier.Append(hour);
                    else
                        merged[coin] = hour;
                }, ct);
            return merged;
        }, ct)).ToArray();
        return SampleSummaries.Concatenate(await Task.WhenAll(halves));
    }

    public static async Task<Dictionary<int, CoinSegments>> ReadBlockAsync(
        NpgsqlConnection connection, RecomputeCurrencies currencies, CancellationToken ct)
    {
        var block = new Dictionary<int, CoinSegments>();
        await ReadAsync(connection, currencies, "SELECT coin_key, stats FROM price_window_block",
            (coin, stats) => block[coin] = stats, ct);
        return block;
    }

    public static Task WriteBlockAsync(
        NpgsqlConnection connection, Dictionary<int, CoinSegments> stats, CancellationToken ct) =>
        WriteAsync(connection, "price_window_block (coin_key, stats)", null, stats, ct);

    /// <summary>
    /// Rows of (coin_key, stats) decoded from binary COPY: these arrays are most of what a recompute reads after the
    /// raw hour.
    /// </summary>
    private static async Task ReadAsync(
        NpgsqlConnection connection, RecomputeCurrencies currencies, string query, Action<int, CoinSegments> each,
        CancellationToken ct)
    {
        await using var copy = await connection.BeginRawBinaryCopyAsync(
            $"COPY ({query}) TO STDOUT (FORMAT BINARY)", ct);
        var reader = new BinaryCopyReader(copy);
        while (await reader.NextRowAsync(2 + 8 + 4 + currencies.Slots * SegmentStats.Bytes, ct))
        {
            var coin = reader.ReadInt32();
            each(coin, CoinSegments.Decode(reader.ReadBytes(), currencies.Slots));
        }
    }

    private static async Task WriteAsync(NpgsqlConnection connection, string target, DateTime? hour,
        Dictionary<int, CoinSegments> stats, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {target} FROM STDIN (FORMAT BINARY)", ct);
        foreach (var (coin, segments) in stats)
        {
            await writer.StartRowAsync(ct);
            if (hour is { } h)
                await writer.WriteAsync(h, NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(coin, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(segments.Encode(), NpgsqlDbType.Bytea, ct);
        }
        await writer.CompleteAsync(ct);
    }
}
