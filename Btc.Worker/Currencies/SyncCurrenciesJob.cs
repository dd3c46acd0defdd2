using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Worker.CoinGecko;

namespace Btc.Worker.Currencies;

public sealed class SyncCurrenciesJob(ICoinGeckoApi coinGecko, CurrencyStore currencies, ILogger<SyncCurrenciesJob> log) : ISyncCurrenciesJob
{
    public async Task RunAsync(CancellationToken ct)
    {
        var served = await coinGecko.GetSupportedVsCurrenciesAsync(ct);
        var added = await currencies.AddMissingAsync(served, ct);
        if (added.Count > 0)
            log.LogInformation("New vs-currencies stored: {Currencies}", string.Join(", ", added));
    }
}
