using System.Data;
using Btc.Data.Copy;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;

namespace Btc.Data.Volatility;

/// <summary>
/// Per-coin statistics of the samples of a span: packed ones from their pieces, raw ones read by binary COPY in the
/// heap's order.
/// </summary>
internal sealed class SampleSummaries(NpgsqlDataSource db, RateStore rates)
{
    /// <summary>
    /// Rows must come as the heap holds them (see <see cref="OfCoinsAsync"/>): a parallel plan would interleave them.
    /// The planner prices the BRIN scan of an hour as if its blocks were random reads and picks a scan of the whole
    /// day's partition, 4 times slower; the blocks are contiguous. JIT compiles these large-looking plans for longer
    /// than they run.
    /// </summary>
    public const string ReadSettings =
        "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_seqscan = off; SET LOCAL jit = off;";

    /// <summary>
    /// Statistics per coin of the samples in [from, to), read in pieces of at most half an hour, each on a
    /// connection of its own, all at once.
    /// </summary>
    public async Task<Dictionary<int, CoinSegments>> OfSpanAsync(
        RecomputeCurrencies currencies, DateTime from, DateTime to, CancellationToken ct)
    {
        var count = (int)Math.Ceiling((to - from) / TimeSpan.FromMinutes(30));
        var bounds = Enumerable.Range(0, count + 1).Select(
            i => i == count ? to : from + (to - from) * i / count).ToArray();
        var pieces = Enumerable.Range(0, count)
            .Select(i => ReadAsync(c => OfCoinsAsync(c, currencies, bounds[i], bounds[i + 1], null, ct), ct)).ToArray();
        return Concatenate(await Task.WhenAll(pieces));
    }

    /// <summary>
    /// Each coin's statistics over consecutive stretches, given in time order, merged into the first stretch's.
    /// </summary>
    public static Dictionary<int, CoinSegments> Concatenate(IReadOnlyList<Dictionary<int, CoinSegments>> parts)
    {
        var all = new Dictionary<int, CoinSegments>();
        foreach (var part in parts)
        {
            foreach (var (coin, later) in part)
            {
                if (all.TryGetValue(coin, out var earlier))
                    earlier.Append(later);
                else
                    all[coin] = later;
            }
        }
        return all;
    }

    /// <summary>
    /// Statistics per coin of the samples in [from, to), each coin's samples taken in time order: the packed part
    /// from pieces (and late samples not folded in yet), the rest from raw samples. The caller reads in one snapshot
    /// (<see cref="ReadAsync{T}"/>), so the watermark and what lies on each side of it agree.
    /// </summary>
    public async Task<Dictionary<int, CoinSegments>> OfCoinsAsync(
        NpgsqlConnection connection, RecomputeCurrencies currencies, DateTime from, DateTime to, int[]? coins,
        CancellationToken ct)
    {
        if (from >= to)
            return [];
        var until = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition(
            "SELECT pieces_until FROM price_series_compaction", cancellationToken: ct));
        var parts = new List<Dictionary<int, CoinSegments>>();
        if (from < until)
            parts.Add(await OfPackedAsync(connection, currencies, from, until < to ? until : to, coins, ct));
        if ((until > from ? until : from) is var rawFrom && rawFrom < to)
            parts.Add(await OfRawAsync(connection, currencies, rawFrom, to, coins, ct));
        var stats = Concatenate(parts);
        await ReadExtrasAsync(connection, currencies, from, to, coins, stats, ct);
        return stats;
    }

    private async Task<Dictionary<int, CoinSegments>> OfPackedAsync(NpgsqlConnection connection,
        RecomputeCurrencies currencies, DateTime from, DateTime to, int[]? coins, CancellationToken ct)
    {
        var stats = new Dictionary<int, CoinSegments>();
        await PackedReader.ReadAsync(connection, currencies.Columns, rates, from, to, coins, (coin, piece) =>
        {
            var segments = stats[coin] = new CoinSegments(currencies.Slots);
            for (var c = 0; c < Math.Min(piece.Columns.Length, currencies.Slots); c++)
            {
                foreach (var value in piece.Columns[c])
                {
                    if (value is { } price)
                        segments.ByCurrency[c].Add(price);
                }
            }
        }, ct);
        return stats;
    }

    /// <summary>
    /// The raw samples' statistics, all coins read in the heap's order, which is the order pages stored them: time
    /// order for each coin, read in one sequential pass over the span's blocks. A coin whose samples come out of order
    /// (a late sample stored in space freed earlier) is read again through its primary key.
    /// </summary>
    private static async Task<Dictionary<int, CoinSegments>> OfRawAsync(NpgsqlConnection connection,
        RecomputeCurrencies currencies, DateTime from, DateTime to, int[]? coins, CancellationToken ct)
    {
        var stats = new Dictionary<int, CoinSegments>();
        var disordered = await ReadSeededAsync(connection, currencies, from, to, coins, stats, ct);
        if (disordered.Count > 0)
        {
            var reread = new Dictionary<int, CoinSegments>();
            await ReadSeededAsync(connection, currencies, from, to, disordered.ToArray(), reread, ct);
            foreach (var (coin, inOrder) in reread)
                stats[coin] = inOrder;
        }
        return stats;
    }

    /// <summary>Runs a read on a connection of its own, in a transaction with <see cref="ReadSettings"/>.</summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await connection.ExecuteAsync(new CommandDefinition(ReadSettings, transaction: tx, cancellationToken: ct));
        return await read(connection);
    }

    /// <summary>
    /// The seeded currencies' columns into <paramref name="stats"/>; returns the coins whose samples came out of time
    /// order.
    /// </summary>
    private static async Task<HashSet<int>> ReadSeededAsync(NpgsqlConnection connection, RecomputeCurrencies currencies,
        DateTime from, DateTime to, int[]? coins, Dictionary<int, CoinSegments> stats, CancellationToken ct)
    {
        var seeded = currencies.Seeded;
        var disordered = new HashSet<int>();
        var onlyCoins = coins is null ? ""
            : $"AND coin_key = ANY({CopyLiteral.Of(coins)}) ORDER BY coin_key, last_updated_at";
        await using var copy = await connection.BeginRawBinaryCopyAsync($"""
            COPY (SELECT coin_key, last_updated_at{string.Concat(seeded.Select(c => $", {c.Column}"))} FROM price_sample
                  WHERE last_updated_at >= {CopyLiteral.Of(from)}
                      AND last_updated_at < {CopyLiteral.Of(to)} {onlyCoins}) TO STDOUT (FORMAT BINARY)
            """, ct);
        var reader = new BinaryCopyReader(copy);
        var maxRowBytes = 2 + 8 + 12 + seeded.Length * 12;
        var last = new Dictionary<int, DateTime>();
        while (await reader.NextRowAsync(maxRowBytes, ct))
        {
            var coin = reader.ReadInt32();
            var at = reader.ReadTimestamp();
            if (!stats.TryGetValue(coin, out var segments))
                stats[coin] = segments = new CoinSegments(currencies.Slots);
            else if (at <= last[coin])
                disordered.Add(coin);
            if (disordered.Contains(coin))
            {
                for (var i = 0; i < seeded.Length; i++)
                    reader.TryReadDouble(out _);
                continue;
            }
            last[coin] = at;
            for (var i = 0; i < seeded.Length; i++)
            {
                if (reader.TryReadDouble(out var price))
                    segments.ByCurrency[seeded[i].CurrencyKey - 1].Add(price);
            }
        }
        return disordered;
    }

    /// <summary>Currencies added after the seeded ones: one row per price, in the same order.</summary>
    private static async Task ReadExtrasAsync(
        NpgsqlConnection connection, RecomputeCurrencies currencies, DateTime from, DateTime to,
        int[]? coins, Dictionary<int, CoinSegments> stats, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT coin_key, currency_key, price FROM price_sample_extra
            WHERE last_updated_at >= @from
                AND last_updated_at < @to {(coins is null ? "" : "AND coin_key = ANY(@coins)")}
            ORDER BY coin_key, currency_key, last_updated_at
            """, connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        if (coins is not null)
            command.Parameters.AddWithValue("coins", coins);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var coin = reader.GetInt32(0);
            var currencyKey = reader.GetInt16(1);
            if (currencyKey > currencies.Slots)
                continue;
            if (!stats.TryGetValue(coin, out var segments))
                stats[coin] = segments = new CoinSegments(currencies.Slots);
            segments.ByCurrency[currencyKey - 1].Add(reader.GetDouble(2));
        }
    }
}
