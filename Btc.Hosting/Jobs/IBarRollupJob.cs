namespace Btc.Hosting.Jobs;

/// <summary>Rolls every complete UTC day up into hour and day bars.</summary>
public interface IBarRollupJob
{
    Task RunAsync(CancellationToken ct);
}
