using Btc.Data.History.Bars;
using Btc.Hosting.Jobs;
using Btc.Data.Prices;
using Btc.Worker.History;
using Microsoft.Extensions.Options;
using Btc.Data.History;
using Btc.Data.Live;

namespace Btc.Worker.History;

public sealed class PartitionMaintenanceJob(
    PricePartitions partitions,
    BarRetention bars,
    PriceCommits commits,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<PartitionMaintenanceJob> log)
    : IPartitionMaintenanceJob
{
    // Days created ahead, so a missed daily run never leaves today's samples in the default partition.
    private const int DaysAhead = 3;

    public async Task RunAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var (minuteDays, hourDays) = (options.Value.MinuteDays, options.Value.HourDays);
        var created = await partitions.EnsureAsync(today.AddDays(-1), today.AddDays(DaysAhead), ct);
        // Neither drops a day that is not rolled up into bars yet: the retention waits for the rollup.
        var dropped = await partitions.DropBeforeAsync(today.AddDays(-minuteDays), ct);
        var hourBars = await bars.DropHourBarsBeforeAsync(today.AddDays(-hourDays), ct);
        // The live streams resume only as far back as the minute samples go.
        await commits.DropBeforeAsync(today.AddDays(-minuteDays).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), ct);
        if (created + dropped + hourBars > 0)
            log.LogInformation(
                "Price partitions: {Created} created, {Dropped} dropped past {MinuteDays} days; "
                + "hour bars of {HourBars} coin-currency-days dropped past {HourDays} days",
                created, dropped, minuteDays, hourBars, hourDays);
    }
}
