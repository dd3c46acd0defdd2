using System.Diagnostics;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Npgsql;
using Btc.Data.History;

namespace Btc.Benchmarks;

/// <summary>
/// Poll cycles written back to back while something else is measured, through the page job's own path: each cycle a
/// new minute of every coin in pages of 100, as many pages at once as the worker runs, each page stored
/// (<see cref="PriceSampleStore.StorePageAsync"/>: its transaction, its row locks, its data-change notice) and then
/// <see cref="PollCycleStore.TryFinishAsync"/>. Back to back rather than one a minute: whatever the readers meet,
/// they meet it with a cycle writing; or one every <c>every</c>, as the worker writes them. No CoinGecko call and no
/// rank recompute: the database's side of a cycle only.
/// </summary>
public static class WritingCycles
{
    public sealed record Result(int Cycles, long Rows, TimeSpan Longest, TimeSpan Elapsed);

    /// <param name="after">
    /// The first minute written; later than any the benchmark wrote before, so every row is new.
    /// </param>
    public static async Task<Result> RunAsync(
        NpgsqlDataSource db,
        IReadOnlyList<TrackedCoin> coins,
        DateTime after,
        CancellationToken stop,
        TimeSpan every = default)
    {
        const int pageSize = 100;
        var workers = Math.Min(Environment.ProcessorCount * 5, 20);
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null).ToArray();
        var pages = coins.Chunk(pageSize).Select(p => (IReadOnlyList<TrackedCoin>)p).ToArray();
        var cycles = new PollCycleStore(db);
        var store = new PriceSampleStore(db);
        await new PricePartitions(db)
            .EnsureAsync(DateOnly.FromDateTime(after), DateOnly.FromDateTime(after.AddDays(1)));

        // One minute of every coin per cycle, coins in page order
        // (Generate yields them minute by minute, in this order).
        using var minutes = Fill.Generate(coins, currencies, 0, after, int.MaxValue).GetEnumerator();
        var (count, rows, longest) = (0, 0L, TimeSpan.Zero);
        var started = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            var samples = new PriceSample[coins.Count];
            for (var i = 0; i < samples.Length && minutes.MoveNext(); i++)
                samples[i] = new PriceSample(
                    minutes.Current.CoinKey,
                    minutes.Current.At,
                    minutes.Current.Prices.Select(p => (double?)p).ToArray());
            var cycleStarted = Stopwatch.GetTimestamp();
            var cycleId = await cycles.CreateAsync($"many-clients-{count}", after.AddMinutes(count), pages);
            // Not cancelled midway: a cycle is written whole, so the load ends with no half-written page.
            await Parallel.ForEachAsync(
                Enumerable.Range(0, pages.Length),
                new ParallelOptions { MaxDegreeOfParallelism = workers },
                async (page, ct) =>
            {
                var pageSamples = samples.AsSpan(page * pageSize, pages[page].Count).ToArray();
                var result = await store.StorePageAsync(cycleId, page, currencies, pageSamples, new PageCounts(0), ct);
                Interlocked.Add(ref rows, result.RowsStored);
                await cycles.TryFinishAsync(cycleId, ct);
            });
            var took = Stopwatch.GetElapsedTime(cycleStarted);
            longest = took > longest ? took : longest;
            count++;
            if (every > took)
                await Task.Delay(every - took, CancellationToken.None);
        }
        return new Result(count, rows, longest, Stopwatch.GetElapsedTime(started));
    }
}
