using Btc.Data.Currencies;
using Btc.Data.Copy;
using Btc.Data.Freshness;
using Btc.Data.Prices;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.Volatility;

/// <summary>
/// Volatility ranks over the 24 hours ending at a given minute. The window is assembled per coin from three
/// parts merged with Chan's formula: the partial hours at its start and end, read raw, and between them the
/// complete hours, kept pre-merged in price_window_block (rebuilt from price_hour_stats when the window crosses an
/// hour, and for single coins when late samples land in one of its hours). A recompute each minute so reads one
/// hour of samples and one row per coin, whatever the history, and equals a direct computation over the window.
/// </summary>
public sealed class VolatilityStore(NpgsqlDataSource db)
{
    public async Task<RecomputeResult> RecomputeAsync(IReadOnlyList<Currency> currencies, DateTime asOf, CancellationToken ct = default)
    {
        var windowStart = asOf - PriceWindow.Day;
        // The hour the window starts in is always read raw, even when the window starts on it: otherwise the
        // complete hours would change twice an hour (24 of them on the hour, 23 a minute later), and with them the block.
        var fullFrom = FloorHour(windowStart).AddHours(1);
        var fullTo = FloorHour(asOf);
        var reading = new Reading(currencies);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One recompute at a time: two would each delete the other's freshly written ranks.
        await connection.ExecuteAsync(new CommandDefinition(
            $"{ReadSettings} SELECT pg_advisory_xact_lock(hashtext('volatility_rank'))", transaction: tx, cancellationToken: ct));

        // The partial hours are read raw on connections of their own while this one brings the complete hours up
        // to date: with cores to spare, the reads (most of the cost) overlap.
        var start = SummarizeRawAsync(reading, windowStart, fullFrom, ct);
        var end = SummarizeRawAsync(reading, fullTo, asOf, ct);
        var complete = CompleteHoursAsync(connection, tx, reading, fullFrom, fullTo, ct);
        await Task.WhenAll(start, end, complete);
        var window = Concatenate([start.Result, complete.Result.Block, end.Result]);

        var ranking = VolatilityRanker.Rank(currencies, window);
        await WriteRanksAsync(connection, tx, ranking, asOf, ct);
        await tx.CommitAsync(ct);
        await DataChanges.NotifyAsync(connection, ct);
        return new RecomputeResult(asOf, complete.Result.HoursSummarized, complete.Result.CoinHoursRefreshed, ranking.Ranks);
    }

    public async Task<VolatilityRank?> FindAsync(int coinKey, short currencyKey, VolatilityMeasure measure, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VolatilityRank>(new CommandDefinition("""
            SELECT r.rank[@currencyKey] AS Rank, k.out_of AS OutOf, r.volatility[@currencyKey] AS Volatility, k.as_of AS AsOf
            FROM volatility_rank r
            JOIN volatility_ranking k ON k.currency_key = @currencyKey AND k.measure = r.measure
            WHERE r.coin_key = @coinKey AND r.measure = @measure AND r.rank[@currencyKey] IS NOT NULL
            """, new { coinKey, currencyKey = (int)currencyKey, measure = (short)measure }, cancellationToken: ct));
    }

    /// <summary>
    /// Summarizes the complete hours of the window never summarized, re-summarizes the coins with samples stored
    /// in a summarized hour since, and returns the complete hours merged per coin.
    /// </summary>
    private async Task<(Dictionary<int, CoinSegments> Block, int HoursSummarized, int CoinHoursRefreshed)> CompleteHoursAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Reading reading, DateTime fullFrom, DateTime fullTo, CancellationToken ct)
    {
        var range = new { fullFrom, fullTo };
        var summarized = (await connection.QueryAsync<DateTime>(new CommandDefinition(
            "SELECT hour FROM price_hour_summarized WHERE hour >= @fullFrom AND hour < @fullTo", range, tx, cancellationToken: ct))).ToHashSet();
        var marks = (await connection.QueryAsync<(long Mark, DateTime Hour, int[] Coins)>(new CommandDefinition(
            "SELECT mark, hour, coin_keys FROM price_hour_dirty WHERE hour < @fullTo", range, tx, cancellationToken: ct))).AsList();

        var missing = new List<DateTime>();
        for (var hour = fullFrom; hour < fullTo; hour = hour.AddHours(1))
        {
            if (!summarized.Contains(hour))
                missing.Add(hour);
        }
        // Hour statistics are committed as they are made, each hour (or coin-hour) in a transaction of its own, so
        // that the block can be merged from them on several connections at once; this transaction's advisory lock
        // still keeps other recomputes out, and a failed recompute leaves only correct statistics behind.
        foreach (var hour in missing)
            await StoreHourStatsAsync(hour, await SummarizeRawAsync(reading, hour, hour.AddHours(1), ct), null, ct);

        var refreshedCoins = new HashSet<int>();
        var coinHours = 0;
        foreach (var late in marks.Where(m => summarized.Contains(m.Hour)).GroupBy(m => m.Hour))
        {
            var coins = late.SelectMany(m => m.Coins).Distinct().ToArray();
            var stats = await ReadAsync(c => SummarizeAsync(c, reading, late.Key, late.Key.AddHours(1), coins, ct), ct);
            await StoreHourStatsAsync(late.Key, stats, coins, ct);
            refreshedCoins.UnionWith(coins);
            coinHours += coins.Length;
        }

        var span = await connection.QuerySingleOrDefaultAsync<(DateTime From, DateTime To)?>(new CommandDefinition(
            "SELECT from_hour, to_hour FROM price_window_block_span", transaction: tx, cancellationToken: ct));
        Dictionary<int, CoinSegments> block;
        if (span == (fullFrom, fullTo) && missing.Count == 0)
        {
            block = await ReadBlockAsync(connection, reading, ct);
            if (refreshedCoins.Count > 0)
            {
                var coins = refreshedCoins.ToArray();
                var rebuilt = await MergeHoursAsync(reading, fullFrom, fullTo, coins, ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM price_window_block WHERE coin_key = ANY(@coins)", new { coins }, tx, cancellationToken: ct));
                await WriteStatsAsync(connection, "price_window_block (coin_key, stats)", null, rebuilt, ct);
                foreach (var coin in coins)
                    block.Remove(coin);
                foreach (var (coin, stats) in rebuilt)
                    block[coin] = stats;
            }
        }
        else
        {
            block = await MergeHoursAsync(reading, fullFrom, fullTo, null, ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                DELETE FROM price_window_block;
                DELETE FROM price_window_block_span;
                INSERT INTO price_window_block_span (from_hour, to_hour) VALUES (@fullFrom, @fullTo);
                """, new { fullFrom, fullTo }, tx, cancellationToken: ct));
            await WriteStatsAsync(connection, "price_window_block (coin_key, stats)", null, block, ct);
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_hour_dirty WHERE mark = ANY(@marks);
            DELETE FROM price_hour_stats WHERE hour < @fullFrom;
            DELETE FROM price_hour_summarized WHERE hour < @fullFrom;
            """, new { marks = marks.Select(m => m.Mark).ToArray(), fullFrom }, tx, cancellationToken: ct));
        return (block, missing.Count, coinHours);
    }

    /// <summary>
    /// Rows must come as the heap holds them (see <see cref="SummarizeAsync(NpgsqlConnection, Reading, DateTime, DateTime, int[], CancellationToken)"/>):
    /// a parallel plan would interleave them. The planner prices the BRIN scan of an hour as if its blocks were
    /// random reads and picks a scan of the whole day's partition, 4 times slower; the blocks are contiguous.
    /// JIT compiles these large-looking plans for longer than they run.
    /// </summary>
    private const string ReadSettings = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_seqscan = off; SET LOCAL jit = off;";

    /// <summary>
    /// Statistics per coin of the samples in [from, to), read in pieces of at most half an hour, each on a
    /// connection of its own, all at once.
    /// </summary>
    private async Task<Dictionary<int, CoinSegments>> SummarizeRawAsync(Reading reading, DateTime from, DateTime to, CancellationToken ct)
    {
        var count = (int)Math.Ceiling((to - from) / TimeSpan.FromMinutes(30));
        var bounds = Enumerable.Range(0, count + 1).Select(i => i == count ? to : from + (to - from) * i / count).ToArray();
        var pieces = Enumerable.Range(0, count)
            .Select(i => ReadAsync(c => SummarizeAsync(c, reading, bounds[i], bounds[i + 1], null, ct), ct)).ToArray();
        return Concatenate(await Task.WhenAll(pieces));
    }

    /// <summary>Each coin's statistics over consecutive stretches, given in time order, merged into the first stretch's.</summary>
    private static Dictionary<int, CoinSegments> Concatenate(IReadOnlyList<Dictionary<int, CoinSegments>> parts)
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
    /// Statistics per coin of the samples in [from, to), each coin's samples taken in time order. All coins are
    /// read in the heap's order, which is the order pages stored them: time order for each coin, read in one
    /// sequential pass over the span's blocks. A coin whose samples come out of order (a late sample stored in
    /// space freed earlier) is read again through its primary key; <paramref name="coins"/> reads only those.
    /// </summary>
    private static async Task<Dictionary<int, CoinSegments>> SummarizeAsync(
        NpgsqlConnection connection, Reading reading, DateTime from, DateTime to, int[]? coins, CancellationToken ct)
    {
        var stats = new Dictionary<int, CoinSegments>();
        if (from >= to)
            return stats;
        var seeded = reading.Seeded;
        var disordered = new HashSet<int>();
        var onlyCoins = coins is null ? "" : $"AND coin_key = ANY({Literal(coins)}) ORDER BY coin_key, last_updated_at";
        await using (var copy = await connection.BeginRawBinaryCopyAsync($"""
            COPY (SELECT coin_key, last_updated_at{string.Concat(seeded.Select(c => $", {c.Column}"))} FROM price_sample
                  WHERE last_updated_at >= {Literal(from)} AND last_updated_at < {Literal(to)} {onlyCoins}) TO STDOUT (FORMAT BINARY)
            """, ct))
        {
            var reader = new BinaryCopyReader(copy);
            var maxRowBytes = 2 + 8 + 12 + seeded.Length * 12;
            var last = new Dictionary<int, DateTime>();
            while (await reader.NextRowAsync(maxRowBytes, ct))
            {
                var coin = reader.ReadInt32();
                var at = reader.ReadTimestamp();
                if (!stats.TryGetValue(coin, out var segments))
                    stats[coin] = segments = new CoinSegments(reading.Slots);
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
        }
        if (disordered.Count > 0)
        {
            foreach (var (coin, inOrder) in await SummarizeAsync(connection, reading, from, to, disordered.ToArray(), ct))
                stats[coin] = inOrder;
        }

        // Currencies added after the seeded ones: one row per price, in the same order.
        await using (var command = new NpgsqlCommand($"""
            SELECT coin_key, currency_key, price FROM price_sample_extra
            WHERE last_updated_at >= @from AND last_updated_at < @to {(coins is null ? "" : "AND coin_key = ANY(@coins)")}
            ORDER BY coin_key, currency_key, last_updated_at
            """, connection))
        {
            AddRange(command, from, to, coins);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var coin = reader.GetInt32(0);
                var currencyKey = reader.GetInt16(1);
                if (currencyKey > reading.Slots || disordered.Contains(coin))
                    continue;
                if (!stats.TryGetValue(coin, out var segments))
                    stats[coin] = segments = new CoinSegments(reading.Slots);
                segments.ByCurrency[currencyKey - 1].Add(reader.GetDouble(2));
            }
        }
        return stats;
    }

    private static void AddRange(NpgsqlCommand command, DateTime from, DateTime to, int[]? coins)
    {
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        if (coins is not null)
            command.Parameters.AddWithValue("coins", coins);
    }

    /// <summary>
    /// The complete hours' statistics merged per coin (all coins, or only <paramref name="coins"/>): the hours are
    /// split in two, each half read on a connection of its own.
    /// </summary>
    private async Task<Dictionary<int, CoinSegments>> MergeHoursAsync(Reading reading, DateTime fullFrom, DateTime fullTo, int[]? coins, CancellationToken ct)
    {
        var middle = fullFrom.AddHours(Math.Ceiling((fullTo - fullFrom).TotalHours / 2));
        var halves = new[] { (fullFrom, middle), (middle, fullTo) }.Select(half => ReadAsync(async c =>
        {
            var merged = new Dictionary<int, CoinSegments>();
            await ReadStatsAsync(c, reading, $"""
                SELECT coin_key, stats FROM price_hour_stats
                WHERE hour >= {Literal(half.Item1)} AND hour < {Literal(half.Item2)} {(coins is null ? "" : $"AND coin_key = ANY({Literal(coins)})")}
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
        return Concatenate(await Task.WhenAll(halves));
    }

    /// <summary>Replaces an hour's statistics (all coins, marking it summarized, or only <paramref name="coins"/>) and commits.</summary>
    private async Task StoreHourStatsAsync(DateTime hour, Dictionary<int, CoinSegments> stats, int[]? coins, CancellationToken ct)
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
        await WriteStatsAsync(connection, "price_hour_stats (hour, coin_key, stats)", hour, stats, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Runs a read on a connection of its own, in a transaction with <see cref="ReadSettings"/>.</summary>
    private async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(ReadSettings, transaction: tx, cancellationToken: ct));
        return await read(connection);
    }

    private static async Task<Dictionary<int, CoinSegments>> ReadBlockAsync(NpgsqlConnection connection, Reading reading, CancellationToken ct)
    {
        var block = new Dictionary<int, CoinSegments>();
        await ReadStatsAsync(connection, reading, "SELECT coin_key, stats FROM price_window_block", (coin, stats) => block[coin] = stats, ct);
        return block;
    }

    /// <summary>Rows of (coin_key, stats) decoded from binary COPY: these arrays are most of what a recompute reads after the raw hour.</summary>
    private static async Task ReadStatsAsync(NpgsqlConnection connection, Reading reading, string query, Action<int, CoinSegments> each, CancellationToken ct)
    {
        await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY ({query}) TO STDOUT (FORMAT BINARY)", ct);
        var reader = new BinaryCopyReader(copy);
        while (await reader.NextRowAsync(2 + 8 + 4 + reading.Slots * SegmentStats.Bytes, ct))
        {
            var coin = reader.ReadInt32();
            each(coin, CoinSegments.Decode(reader.ReadBytes(), reading.Slots));
        }
    }

    /// <summary>COPY takes no parameters: the values it needs are timestamps and integers, formatted here.</summary>
    private static string Literal(DateTime utc) => $"'{utc:O}'";

    private static string Literal(int[] keys) => $"'{{{string.Join(',', keys)}}}'::integer[]";

    private static async Task WriteStatsAsync(NpgsqlConnection connection, string target, DateTime? hour,
        Dictionary<int, CoinSegments> stats, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", ct);
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

    /// <summary>Replaces the stored ranks with <paramref name="ranking"/>.</summary>
    private static async Task WriteRanksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, VolatilityRanking ranking, DateTime asOf, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM volatility_rank;
            DELETE FROM volatility_ranking;
            INSERT INTO volatility_ranking (currency_key, measure, out_of, as_of)
            SELECT c, m, n, @asOf FROM unnest(@currencies, @measures, @outOf) AS x(c, m, n);
            """, new
            {
                currencies = ranking.Counts.Select(o => o.CurrencyKey).ToArray(),
                measures = ranking.Counts.Select(o => (short)o.Measure).ToArray(),
                outOf = ranking.Counts.Select(o => o.OutOf).ToArray(),
                asOf,
            }, tx, cancellationToken: ct));
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY volatility_rank (coin_key, measure, rank, volatility) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var coin in ranking.Coins)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(coin.CoinKey, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync((short)coin.Measure, NpgsqlDbType.Smallint, ct);
            await writer.WriteAsync(coin.Rank, NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(coin.Volatility, NpgsqlDbType.Array | NpgsqlDbType.Double, ct);
        }
        await writer.CompleteAsync(ct);
    }

    private static DateTime FloorHour(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);

    /// <summary>The currencies a recompute reads: stats arrays have a slot per currency_key up to the largest.</summary>
    private sealed class Reading(IReadOnlyList<Currency> currencies)
    {
        public IReadOnlyList<Currency> Currencies { get; } = currencies;
        public Currency[] Seeded { get; } = currencies.Where(c => c.ColumnName is not null).ToArray();
        public int Slots { get; } = currencies.Count == 0 ? 0 : currencies.Max(c => c.CurrencyKey);
    }
}
