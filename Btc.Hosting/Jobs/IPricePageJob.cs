namespace Btc.Hosting.Jobs;

/// <summary>Fetches and stores the prices of one page of a poll cycle.</summary>
public interface IPricePageJob
{
    Task RunAsync(int cycleId, int pageNo, CancellationToken ct);
}
