using Btc.Hosting.Telemetry;
using Btc.Data.Coins;
using Btc.Hosting.Jobs;
using Btc.Data.Polling;
using Btc.Worker.Budget;
using Btc.Worker.CoinGecko;
using Btc.Worker.Hosting;
using Btc.Worker.Polling;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Polling;

public sealed class PollCycleJob(
    CoinGeckoClient coinGecko,
    CoinStore coins,
    PollCycleStore cycles,
    IBackgroundJobClient jobs,
    BudgetPlanner budget,
    BtcMetrics metrics,
    IOptions<PollingOptions> options,
    TimeProvider clock,
    ILogger<PollCycleJob> log) : IPollCycleJob
{
    // A cycle that starts this long after its minute (its worker was busy, the database away) polls nothing: the
    // next minute's cycle comes sooner than its prices would be worth.
    private static readonly TimeSpan TooLate = TimeSpan.FromSeconds(60);

    public async Task RunAsync(PerformContext? context, CancellationToken ct)
    {
        var triggerId = context?.BackgroundJob.Id ?? Guid.NewGuid().ToString("N");
        var scheduledFor = context?.BackgroundJob.CreatedAt ?? clock.GetUtcNow().UtcDateTime;

        // A firing the month's budget leaves out is no cycle: nothing was meant to be polled, nothing failed. A late
        // one is not asked (it polls nothing, and must not count as the cadence's poll).
        var late = clock.GetUtcNow().UtcDateTime - scheduledFor;
        int? cadenceSeconds = null;
        if (late <= TooLate)
        {
            if (await budget.PollsAsync(scheduledFor, ct) is not { } cadence)
            {
                log.LogDebug(
                    "No cycle for {ScheduledFor:HH:mm}: the monthly budget stretches the cadence", scheduledFor);
                return;
            }
            cadenceSeconds = (int)Math.Round(cadence.TotalSeconds);
        }

        // The cycle's row comes first, so that every minute it polls has one, whatever fails next.
        var start = await cycles.StartAsync(triggerId, scheduledFor, ct, cadenceSeconds);
        if (start.Finished)
            return;
        if (start.OpenPages is { } open)
        {
            // A second run of the same trigger: finish what the first run started rather than start again.
            log.LogWarning("Cycle {CycleId} already started by this trigger; re-enqueuing its {Pages} open pages",
                start.CycleId, open.Count);
            EnqueuePages(start.CycleId, open);
            return;
        }
        if (late > TooLate)
        {
            await cycles.FailAsync(
                start.CycleId, $"Started {late.TotalSeconds:0} s after its minute: the next cycle polls instead.", ct);
            metrics.Cycles.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            log.LogWarning("Cycle {CycleId} for {ScheduledFor:HH:mm} skipped: it started {Seconds:0} s late",
                start.CycleId, scheduledFor, late.TotalSeconds);
            return;
        }

        await EnqueueCycleAsync(start, scheduledFor, ct);
    }

    /// <summary>The coin list read, the tracked coins split into pages and the pages enqueued.</summary>
    private async Task EnqueueCycleAsync(CycleStart start, DateTime scheduledFor, CancellationToken ct)
    {
        var tracked = await ReadTrackedCoinsAsync(start.CycleId, scheduledFor, ct);
        var pages = tracked.Chunk(options.Value.PageSize).Select(p => (IReadOnlyList<TrackedCoin>)p).ToArray();
        if (!await cycles.SetPagesAsync(start.CycleId, pages, ct))
            return; // a newer cycle started while this one read the list, and closed it
        // The pages a newer cycle would have had to leave undone go first (see PollCycleStore.StartAsync).
        var order = start.SupersededPages
            .Where(p => p < pages.Length)
            .Concat(Enumerable.Range(0, pages.Length))
            .Distinct()
            .ToArray();
        EnqueuePages(start.CycleId, order);
        log.LogDebug("Cycle {CycleId}: {Coins} coins in {Pages} pages enqueued",
            start.CycleId, tracked.Count, pages.Length);
    }

    /// <summary>
    /// The coin list read and stored, and the tracked coins picked; when that fails, the cycle fails (its row says why)
    /// and so does its job.
    /// </summary>
    private async Task<IReadOnlyList<TrackedCoin>> ReadTrackedCoinsAsync(
        int cycleId, DateTime scheduledFor, CancellationToken ct)
    {
        string reason;
        Exception? error = null;
        try
        {
            var outcome = await coinGecko.GetCoinListAsync(cycleId, ct);
            if (outcome is CallOutcome<List<CoinListEntry>>.Answered { Value: var list })
            {
                await coins.UpsertListAsync(list, ct);
                return await coins.SetTrackedAsync(TrackedCoins.Select(list.Select(c => c.Id), options.Value), ct);
            }
            reason = outcome.Describe();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (reason, error) = ($"{e.GetType().Name}: {e.Message}", e);
        }
        await cycles.FailAsync(cycleId, $"The coin list failed: {reason}", CancellationToken.None);
        metrics.Cycles.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        log.LogWarning("Cycle {CycleId} for {ScheduledFor:HH:mm} failed: the coin list could not be read ({Reason})",
            cycleId, scheduledFor, reason);
        throw new JobFailedException($"Cycle {cycleId}: the coin list failed: {reason}", error);
    }

    private void EnqueuePages(int cycleId, IReadOnlyList<int> pageNos)
    {
        foreach (var pageNo in pageNos)
            jobs.Enqueue<IPricePageJob>(job => job.RunAsync(cycleId, pageNo, CancellationToken.None));
    }
}
