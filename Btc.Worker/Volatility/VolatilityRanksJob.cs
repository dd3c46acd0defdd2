using Btc.Hosting.Telemetry;
using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.Polling;
using Btc.Data.Volatility;

namespace Btc.Worker.Volatility;

public sealed class VolatilityRanksJob(
    CurrencyStore currencies,
    VolatilityStore volatility,
    PollCycleStore cycles,
    BtcMetrics metrics,
    TimeProvider clock,
    ILogger<VolatilityRanksJob> log)
    : IVolatilityRanksJob
{
    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        // Ranks are as of the last completed cycle: the 24 hours up to its finish, everything it stored included.
        var asOf = await cycles.LastFinishedAtAsync(ct) ?? clock.GetUtcNow().UtcDateTime;
        var result = await volatility.RecomputeAsync(await currencies.ListAsync(ct), asOf, ct);
        metrics.RankRecompute.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        log.LogInformation(
            "Volatility ranks as of {AsOf:HH:mm:ss}: {Ranks} stored, {Hours} hours and {CoinHours} late coin-hours "
            + "summarized, in {Ms:0} ms",
            result.AsOf,
            result.RanksStored,
            result.HoursSummarized,
            result.CoinHoursRefreshed,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
