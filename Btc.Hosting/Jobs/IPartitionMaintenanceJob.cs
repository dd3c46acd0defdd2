namespace Btc.Hosting.Jobs;

/// <summary>Creates the coming days' price partitions and drops those past retention.</summary>
public interface IPartitionMaintenanceJob
{
    Task RunAsync(CancellationToken ct);
}
