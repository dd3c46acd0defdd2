using System.Diagnostics;
using Btc.Data.History.Bars;
using Btc.Hosting.Jobs;

namespace Btc.Worker.History;

public sealed class BarRollupJob(BarRollup rollup, ILogger<BarRollupJob> log) : IBarRollupJob
{
    // Runs every ten minutes: a backlog (weeks without it) is worked off a batch of coins at a time.
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);

    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var (days, caughtUp) = await rollup.RunAsync(Budget, ct);
        if (days > 0 || !caughtUp)
            log.LogInformation("Bars: {Days} days rolled up in {Seconds:0.0} s{Behind}",
                days, Stopwatch.GetElapsedTime(started).TotalSeconds,
                caughtUp ? "" : "; more to roll up in the next run");
    }
}
