using Btc.Data.Coins;
using Btc.Data.Jobs;
using Btc.Data.Polling;
using Btc.Worker.CoinGecko;
using Btc.Worker.Polling;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Jobs;

public sealed class PollCycleJob(
    ICoinGeckoApi coinGecko,
    CoinStore coins,
    PollCycleStore cycles,
    IBackgroundJobClient jobs,
    IOptions<PollingOptions> options,
    TimeProvider clock,
    ILogger<PollCycleJob> log) : IPollCycleJob
{
    public async Task RunAsync(PerformContext? context, CancellationToken ct)
    {
        var triggerId = context?.BackgroundJob.Id ?? Guid.NewGuid().ToString("N");
        var scheduledFor = context?.BackgroundJob.CreatedAt ?? clock.GetUtcNow().UtcDateTime;

        if (await cycles.FindByTriggerAsync(triggerId, ct) is { } existing)
        {
            // A second run of the same trigger: finish what the first run started rather than start again.
            log.LogWarning("Cycle {CycleId} already started by this trigger; re-enqueuing its {Pages} unfinished pages", existing.CycleId, existing.UnfinishedPages.Count);
            EnqueuePages(existing.CycleId, existing.UnfinishedPages);
            return;
        }

        using var calls = CallCounter.Begin();
        var list = await coinGecko.GetCoinListAsync(ct);
        await coins.UpsertListAsync(list, ct);
        var tracked = await coins.SetTrackedAsync(TrackedCoins.Select(list.Select(c => c.Id), options.Value), ct);
        var pages = tracked.Chunk(options.Value.PageSize).Select(p => (IReadOnlyList<TrackedCoin>)p).ToArray();

        var cycleId = await cycles.CreateAsync(triggerId, scheduledFor, calls.Count, pages, ct);
        if (cycleId is null)
            return; // a concurrent run of the same trigger got there first
        EnqueuePages(cycleId.Value, Enumerable.Range(0, pages.Length).ToArray());
        log.LogDebug("Cycle {CycleId}: {Coins} coins in {Pages} pages enqueued", cycleId, tracked.Count, pages.Length);
    }

    private void EnqueuePages(int cycleId, IReadOnlyList<int> pageNos)
    {
        foreach (var pageNo in pageNos)
            jobs.Enqueue<IPricePageJob>(job => job.RunAsync(cycleId, pageNo, CancellationToken.None));
    }
}
