namespace Btc.Hosting.Jobs;

/// <summary>
/// Finds the spans no cycle polled and fills them from CoinGecko's history with the calls the cycles leave.
/// </summary>
public interface IBackfillJob
{
    Task RunAsync(CancellationToken ct);
}
