using System.Diagnostics;
using Btc.Data.History.Bars;
using Btc.Hosting.Jobs;

namespace Btc.Worker.History;

public sealed class BarRollupJob(BarRollup rollup, BarConversion conversion, ILogger<BarRollupJob> log)
    : IBarRollupJob
{
    // Runs every ten minutes: a backlog (weeks without it) is worked off a batch of coins at a time.
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);

    // The upgrade's conversion of old bar rows, after the rollup: a year at 1,000 coins takes a few runs.
    private static readonly TimeSpan ConversionBudget = TimeSpan.FromMinutes(3);

    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var (days, caughtUp) = await rollup.RunAsync(Budget, ct);
        if (days > 0 || !caughtUp)
            log.LogInformation("Bars: {Days} days rolled up in {Seconds:0.0} s{Behind}",
                days, Stopwatch.GetElapsedTime(started).TotalSeconds,
                caughtUp ? "" : "; more to roll up in the next run");
        var (coinDays, coinMonths, done) = await conversion.RunAsync(ConversionBudget, ct);
        if (coinDays + coinMonths > 0)
            log.LogInformation("Bars: {CoinDays} coin-days and {CoinMonths} coin-months of old rows compressed{More}",
                coinDays, coinMonths, done ? "" : "; more in the next run");
    }
}
