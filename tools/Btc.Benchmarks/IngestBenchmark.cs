using System.Diagnostics;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// The page job's own upsert path against binary COPY of the same rows into an identical scratch table.
/// </summary>
public static class IngestBenchmark
{
    public static async Task RunAsync(
        NpgsqlDataSource db,
        IReadOnlyList<TrackedCoin> coins,
        DateTime after,
        Report report)
    {
        const int pageSize = 100;
        var pagesPerMinute = Math.Max(1, coins.Count / pageSize);
        const int minutes = 60;
        var currencies = await new CurrencyStore(db).ListAsync();
        var seeded = currencies.Where(c => c.ColumnName is not null).ToArray();
        var pages = Enumerable.Range(0, pagesPerMinute * minutes)
            .Select(p => (IReadOnlyList<TrackedCoin>)coins.Skip(p % pagesPerMinute * pageSize).Take(pageSize).ToArray())
            .ToArray();
        var cycleStore = new PollCycleStore(db);
        var cycleId = (await cycleStore.CreateAsync("ingest", after, pages));
        var rows = Fill.Generate(coins.Take(pagesPerMinute * pageSize).ToArray(), seeded, cycleId, after, minutes)
            .OrderBy(r => r.At).ToArray();
        var samples = rows.Select(r => new PriceSample(r.CoinKey, r.At, Pad(r.Prices, currencies.Count))).ToArray();

        // The worker runs as many pages at once as Hangfire has workers (by default 5 per core, at most 20); both one
        // at a time and that many are shown, after a few untimed pages: the first calls pay for JIT, Dapper's IL and
        // statement preparation.
        var workers = Math.Min(Environment.ProcessorCount * 5, 20);
        var store = new PriceSampleStore(db);
        var warm = pages.Length / 20;
        var half = warm + (pages.Length - warm) / 2;
        await StorePagesAsync(store, cycleStore, cycleId, currencies, samples, pageSize, 0, warm, 1);
        var sequential = await TimeAsync(
            () => StorePagesAsync(store, cycleStore, cycleId, currencies, samples, pageSize, warm, half, 1));
        var parallel = await TimeAsync(() =>
            StorePagesAsync(store, cycleStore, cycleId, currencies, samples, pageSize, half, pages.Length, workers));
        var storedRows = samples.Length - warm * pageSize;
        var (copy, copyIntoHistory) = await TimeCopiesAsync(db, seeded, rows, cycleId, warm * pageSize);

        var upsertRate = (half - warm) * pageSize / sequential.TotalSeconds;
        var parallelRate = (pages.Length - half) * pageSize / parallel.TotalSeconds;
        var copyRate = storedRows / copy.TotalSeconds;
        report.Add("ingest: page upsert, one page at a time", upsertRate, "rows/s");
        report.Add($"ingest: page upsert, {workers} pages at once (the worker's default concurrency)", parallelRate,
            "rows/s");
        report.Add("ingest: binary COPY of the same rows", copyRate, "rows/s");
        report.Add(
            $"ingest: upsert ({workers} at once) / COPY",
            parallelRate / copyRate,
            "×",
            "≥ 0.5",
            parallelRate / copyRate >= 0.5);
        var historyRate = storedRows / copyIntoHistory.TotalSeconds;
        report.Add("ingest: binary COPY of the same rows into price_sample itself", historyRate, "rows/s");
        report.Add($"ingest: upsert ({workers} at once) / COPY into price_sample itself", parallelRate / historyRate,
            "×");
    }

    /// <summary>
    /// Binary COPY of the rows after the first <paramref name="warmRows"/> (which warm it up) into a scratch table,
    /// and into price_sample itself.
    /// </summary>
    private static async Task<(TimeSpan Copy, TimeSpan CopyIntoHistory)> TimeCopiesAsync(
        NpgsqlDataSource db,
        IReadOnlyList<Currency> seeded,
        IReadOnlyList<(int CoinKey, int CycleId, DateTime At, double[] Prices)> rows,
        int cycleId,
        int warmRows)
    {
        // Identical to price_sample: the same columns and indexes, partitioned by day the same way.
        await using (var connection = await db.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                DROP TABLE IF EXISTS copy_target;
                CREATE TABLE copy_target (LIKE price_sample INCLUDING ALL) PARTITION BY RANGE (last_updated_at);
                CREATE TABLE copy_target_default PARTITION OF copy_target DEFAULT;
                """);
            foreach (var day in rows.Select(r => r.At.Date).Distinct())
                await connection.ExecuteAsync($"""
                    CREATE TABLE copy_target_{day:yyyyMMdd} PARTITION OF copy_target
                    FOR VALUES FROM ('{day:yyyy-MM-dd}T00:00:00Z') TO ('{day.AddDays(1):yyyy-MM-dd}T00:00:00Z')
                    """);
        }
        // COPY gets the same warm-up, then the same rows the upserts were timed on.
        await Fill.CopyAsync(db, "copy_target", seeded, rows.Take(warmRows));
        var copy = await TimeAsync(() => Fill.CopyAsync(db, "copy_target", seeded, rows.Skip(warmRows)));

        // The scratch table starts empty; price_sample holds the history, and inserting into its larger primary key
        // costs more per row. The same COPY into price_sample itself (the timed rows removed and vacuumed away
        // first) says how much of the gap is the table rather than the code path.
        await using (var connection = await db.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "DELETE FROM price_sample WHERE cycle_id = @cycleId AND last_updated_at >= @from",
                new { cycleId, from = rows[warmRows].At });
            await connection.ExecuteAsync("VACUUM price_sample");
        }
        var copyIntoHistory = await TimeAsync(() => Fill.CopyAsync(db, "price_sample", seeded, rows.Skip(warmRows)));
        return (copy, copyIntoHistory);
    }

    private static double?[] Pad(double[] prices, int count)
    {
        var padded = new double?[count];
        for (var i = 0; i < prices.Length; i++)
            padded[i] = prices[i];
        return padded;
    }

    private static async Task StorePagesAsync(
        PriceSampleStore store,
        PollCycleStore cycles,
        int cycleId,
        IReadOnlyList<Currency> currencies,
        PriceSample[] samples,
        int pageSize,
        int from,
        int to,
        int parallelism) =>
        await Parallel.ForEachAsync(
            Enumerable.Range(from, to - from),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (page, ct) =>
            {
                // What a page job does with its samples: store them, then see whether the cycle is done.
                await store.StorePageAsync(
                    cycleId,
                    page,
                    currencies,
                    samples.Skip(page * pageSize).Take(pageSize).ToArray(),
                    new PageCounts(0),
                    ct);
                await cycles.TryFinishAsync(cycleId, ct);
            });

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started);
    }
}
