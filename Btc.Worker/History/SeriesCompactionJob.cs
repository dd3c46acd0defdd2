using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.History.Series;

namespace Btc.Worker.History;

public sealed class SeriesCompactionJob(
    CurrencyStore currencies, SeriesCompactor compactor, ILogger<SeriesCompactionJob> log) : ISeriesCompactionJob
{
    // Runs every minute: a backlog (a database that ran for weeks without it) is worked off in runs of this length.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);

    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await compactor.RunAsync(await currencies.ListAsync(ct), Budget, ct);
        if (result is null)
            log.LogInformation(
                "Series compaction skipped: page transactions held the writers' lock for 5 s; the next run compacts");
        else if (result.Pieces + result.CoinHoursRebuilt > 0 || !result.CaughtUp)
            log.LogInformation(
                "Series compaction: {Pieces} pieces and {CoinHours} late coin-hours written in {Ms:0} ms, "
                + "compacted until {Until:yyyy-MM-dd HH:mm}{Behind}",
                result.Pieces,
                result.CoinHoursRebuilt,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                result.PiecesUntil,
                result.CaughtUp ? "" : "; more to compact in the next run");
    }
}
