namespace Btc.Hosting.Jobs;

/// <summary>Compacts the samples of every quarter and hour that is complete into series pieces.</summary>
public interface ISeriesCompactionJob
{
    Task RunAsync(CancellationToken ct);
}
