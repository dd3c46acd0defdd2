using Btc.Data.Currencies;
using Btc.Data.Jobs;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Worker.CoinGecko;
using Btc.Worker.Polling;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Jobs;

public sealed class PricePageJob(
    ICoinGeckoApi coinGecko,
    CurrencyStore currencyStore,
    PriceSampleStore prices,
    PollCycleStore cycles,
    IBackgroundJobClient jobs,
    IOptions<PollingOptions> polling,
    TimeProvider clock,
    ILogger<PricePageJob> log) : IPricePageJob
{
    private const string LastUpdatedAt = "last_updated_at";

    public async Task RunAsync(int cycleId, int pageNo, CancellationToken ct)
    {
        var page = await cycles.GetPageAsync(cycleId, pageNo, ct);
        if (page is null)
            return;
        if (page.Superseded)
        {
            // A retry, a rate-limited page or a killed worker's page, run after the next cycle began: that cycle
            // polls these coins, and prices fetched now are not this cycle's.
            log.LogInformation("Cycle {CycleId} page {PageNo} skipped: superseded by a newer cycle", cycleId, pageNo);
            return;
        }
        if (page.Finished)
        {
            // A second delivery of a page already stored: the first may have stopped before finishing the cycle.
            await FinishCycleAsync(cycleId, ct);
            return;
        }

        var currencies = await currencyStore.ListAsync(ct);
        using var calls = CallAttribution.For(cycleId, pageNo);
        try
        {
            var answer = await coinGecko.GetPricesAsync(page.Coins.Select(c => c.Id), currencies.Select(c => c.Code), ct);

            // A dead coin's last price, years old, is past retention: stored, it would be dropped at the next
            // maintenance and stored again at the next cycle, for ever. The boundary is the partitions' own.
            var oldestKept = clock.GetUtcNow().UtcDateTime.Date.AddDays(-polling.Value.RetentionDays);
            var samples = new List<PriceSample>(page.Coins.Count);
            var skipped = 0;
            foreach (var coin in page.Coins)
            {
                if (!answer.TryGetValue(coin.Id, out var quote) || quote.GetValueOrDefault(LastUpdatedAt) is not { } unixSeconds
                    || DateTime.UnixEpoch.AddSeconds((long)unixSeconds) < oldestKept)
                {
                    skipped++;
                    continue;
                }
                var values = new double?[currencies.Count];
                for (var i = 0; i < currencies.Count; i++)
                    values[i] = quote.GetValueOrDefault(currencies[i].Code);
                samples.Add(new PriceSample(coin.CoinKey, DateTime.UnixEpoch.AddSeconds((long)unixSeconds), values));
            }

            var result = await prices.StorePageAsync(cycleId, pageNo, currencies, samples, new PageCounts(skipped), ct);
            if (result.Closed)
                log.LogInformation("Cycle {CycleId} page {PageNo} not stored: superseded by a newer cycle while it was fetched", cycleId, pageNo);
            await FinishCycleAsync(cycleId, ct);
        }
        // A 429 is not a failure: the page is scheduled again for when CoinGecko takes calls again (and is skipped
        // then if the next cycle has begun).
        catch (Exception e) when (CoinGeckoRateLimitedException.Find(e) is { } limited)
        {
            await cycles.RecordPageErrorAsync(cycleId, pageNo, limited.Message, CancellationToken.None);
            jobs.Schedule<IPricePageJob>(job => job.RunAsync(cycleId, pageNo, CancellationToken.None), new DateTimeOffset(limited.RetryAt, TimeSpan.Zero));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await cycles.RecordPageErrorAsync(cycleId, pageNo, $"{e.GetType().Name}: {e.Message}", CancellationToken.None);
            throw;
        }
    }

    private async Task FinishCycleAsync(int cycleId, CancellationToken ct)
    {
        if (!await cycles.TryFinishAsync(cycleId, ct))
            return;
        var cycle = await cycles.GetAsync(cycleId, ct);
        if (cycle is null)
            return;
        log.LogInformation(
            "Cycle {CycleId} for {ScheduledFor:HH:mm} done in {Seconds:0.0} s: {Coins} coins, {Stored} stored, {Stale} stale, {Skipped} skipped, {Calls} calls, {Errors} errors",
            cycle.CycleId, cycle.ScheduledFor, (cycle.FinishedAt!.Value - cycle.StartedAt).TotalSeconds, cycle.CoinsRequested,
            cycle.RowsStored, cycle.Stale, cycle.Skipped, cycle.CallsUsed, cycle.Errors);
        jobs.Enqueue<IVolatilityRanksJob>(job => job.RunAsync(CancellationToken.None));
    }
}
