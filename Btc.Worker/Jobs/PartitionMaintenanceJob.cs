using Btc.Data.Jobs;
using Btc.Data.Prices;
using Btc.Worker.Polling;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Jobs;

public sealed class PartitionMaintenanceJob(
    PricePartitions partitions, IOptions<PollingOptions> options, TimeProvider clock, ILogger<PartitionMaintenanceJob> log)
    : IPartitionMaintenanceJob
{
    // Days created ahead, so a missed daily run never leaves today's samples in the default partition.
    private const int DaysAhead = 3;

    public async Task RunAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var created = await partitions.EnsureAsync(today.AddDays(-1), today.AddDays(DaysAhead), ct);
        var dropped = await partitions.DropBeforeAsync(today.AddDays(-options.Value.RetentionDays), ct);
        if (created + dropped > 0)
            log.LogInformation("Price partitions: {Created} created, {Dropped} dropped past {Days} days of retention", created, dropped, options.Value.RetentionDays);
    }
}
