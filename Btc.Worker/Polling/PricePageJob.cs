using Btc.Hosting.Telemetry;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Worker.CoinGecko;
using Btc.Worker.History;
using Btc.Worker.Hosting;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Polling;

public sealed class PricePageJob(
    CoinGeckoClient coinGecko,
    CurrencyStore currencyStore,
    PriceSampleStore prices,
    PollCycleStore cycles,
    BtcMetrics metrics,
    IBackgroundJobClient jobs,
    IOptions<RetentionOptions> retention,
    TimeProvider clock,
    ILogger<PricePageJob> log) : IPricePageJob
{
    private static readonly TimeSpan MonthSpent = TimeSpan.FromHours(1);

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
        try
        {
            await PollAsync(cycleId, pageNo, page, currencies, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException and not JobFailedException)
        {
            await cycles.RecordPageErrorAsync(
                cycleId, pageNo, $"{e.GetType().Name}: {e.Message}", CancellationToken.None);
            throw;
        }
    }

    private async Task PollAsync(
        int cycleId, int pageNo, CyclePage page, IReadOnlyList<Currency> currencies, CancellationToken ct)
    {
        var outcome = await coinGecko.GetPricesAsync(
            cycleId, pageNo, page.Coins.Select(c => c.Id).ToArray(), currencies.Select(c => c.Code).ToArray(), ct);
        switch (outcome)
        {
            case CallOutcome<PriceQuotes>.Answered answered:
                await StoreAsync(cycleId, pageNo, page, currencies, answered.Value, ct);
                break;
            // A 429 or a spent budget is not a failure: the page is scheduled again for when calls resume (and is
            // skipped then if the next cycle has begun).
            case CallOutcome<PriceQuotes>.RateLimited limited:
                await WaitForCallsAsync(cycleId, pageNo, limited.Until, "CoinGecko's rate limit is reached", ct);
                break;
            case CallOutcome<PriceQuotes>.BudgetRefused refused:
                await WaitForCallsAsync(cycleId, pageNo, refused.RetryAt, "the call budget is spent", ct);
                break;
            // No call made while CoinGecko is failing: the page waits for the circuit without spending a retry (a
            // short burst of failures would otherwise cost every page of the minute), until the next cycle supersedes
            // it. While one probe call is out the others try again a moment later.
            case CallOutcome<PriceQuotes>.Paused paused:
                WaitForCircuit(cycleId, pageNo, paused.Until);
                break;
            case CallOutcome<PriceQuotes>.Failed failed:
                await cycles.RecordPageErrorAsync(cycleId, pageNo, failed.Reason, CancellationToken.None);
                // Failing the job hands the page to its retry policy (Hosting/JobPolicies.cs).
                throw new JobFailedException($"Cycle {cycleId} page {pageNo}: {failed.Reason}");
        }
    }

    private async Task StoreAsync(int cycleId, int pageNo, CyclePage page, IReadOnlyList<Currency> currencies,
        PriceQuotes answer, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var oldestKept = now.Date.AddDays(-retention.Value.MinuteDays); // the partitions' own boundary
        var read = PriceAnswer.Read(answer, page.Coins, currencies, now, oldestKept);
        if (read.Refusal is not null)
            log.LogWarning("Cycle {CycleId} page {PageNo}: {Refused} coins refused: {Refusal}",
                cycleId, pageNo, read.Refused, read.Refusal);
        var counts = new PageCounts(read.Skipped, read.Refused, read.Refusal);
        var result = await prices.StorePageAsync(cycleId, pageNo, currencies, read.Samples, counts, ct);
        if (result.Closed)
            log.LogInformation(
                "Cycle {CycleId} page {PageNo} not stored: superseded by a newer cycle while it was fetched",
                cycleId, pageNo);
        await FinishCycleAsync(cycleId, ct);
    }

    private async Task WaitForCallsAsync(int cycleId, int pageNo, DateTime until, string why, CancellationToken ct)
    {
        await cycles.RecordPageErrorAsync(
            cycleId, pageNo, $"{why}; calls resume at {until:O}.", CancellationToken.None);
        // The month's budget spent: a later cycle polls these coins when it turns, not this page weeks from now.
        if (until - clock.GetUtcNow().UtcDateTime > MonthSpent)
            return;
        jobs.Schedule<IPricePageJob>(job => job.RunAsync(cycleId, pageNo, CancellationToken.None),
            new DateTimeOffset(until, TimeSpan.Zero));
    }

    private void WaitForCircuit(int cycleId, int pageNo, DateTime until)
    {
        var at = new DateTime(Math.Max(until.Ticks, clock.GetUtcNow().UtcDateTime.Ticks), DateTimeKind.Utc)
            .AddMilliseconds(500 + Random.Shared.Next(1_000));
        log.LogInformation("Cycle {CycleId} page {PageNo} waits for CoinGecko until {At:HH:mm:ss}: the circuit is open",
            cycleId, pageNo, at);
        jobs.Schedule<IPricePageJob>(job => job.RunAsync(cycleId, pageNo, CancellationToken.None),
            new DateTimeOffset(at, TimeSpan.Zero));
    }

    private async Task FinishCycleAsync(int cycleId, CancellationToken ct)
    {
        if (!await cycles.TryFinishAsync(cycleId, ct))
            return;
        var cycle = await cycles.GetAsync(cycleId, ct);
        if (cycle is null)
            return;
        log.LogInformation(
            "Cycle {CycleId} for {ScheduledFor:HH:mm} done in {Seconds:0.0} s: {Coins} coins, {Stored} stored, "
            + "{Stale} stale, {Skipped} skipped, {Calls} calls, {Errors} errors",
            cycle.CycleId,
            cycle.ScheduledFor,
            (cycle.FinishedAt!.Value - cycle.StartedAt).TotalSeconds,
            cycle.CoinsRequested,
            cycle.RowsStored,
            cycle.Stale,
            cycle.Skipped,
            cycle.CallsUsed,
            cycle.Errors);
        Record(cycle);
        jobs.Enqueue<IVolatilityRanksJob>(job => job.RunAsync(CancellationToken.None));
    }

    private void Record(PollCycle cycle)
    {
        metrics.Cycles.Add(1, new KeyValuePair<string, object?>("outcome", cycle.Outcome));
        metrics.CycleDuration.Record((cycle.FinishedAt!.Value - cycle.StartedAt).TotalSeconds);
        metrics.Pages.Add(cycle.PagesDone, new KeyValuePair<string, object?>("outcome", "stored"));
        metrics.Pages.Add(cycle.PagesSuperseded, new KeyValuePair<string, object?>("outcome", "superseded"));
        metrics.Rows.Add(cycle.RowsStored, new KeyValuePair<string, object?>("kind", "stored"));
        metrics.Rows.Add(cycle.Stale, new KeyValuePair<string, object?>("kind", "stale"));
        metrics.Rows.Add(cycle.Skipped, new KeyValuePair<string, object?>("kind", "skipped"));
        metrics.Rows.Add(cycle.Refused, new KeyValuePair<string, object?>("kind", "refused"));
    }
}
