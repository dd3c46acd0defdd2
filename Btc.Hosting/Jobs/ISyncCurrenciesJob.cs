namespace Btc.Hosting.Jobs;

/// <summary>Adds the vs-currencies CoinGecko serves that are not stored yet.</summary>
public interface ISyncCurrenciesJob
{
    Task RunAsync(CancellationToken ct);
}
