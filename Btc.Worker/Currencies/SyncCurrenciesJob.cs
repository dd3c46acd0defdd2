using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Worker.CoinGecko;
using Btc.Worker.Hosting;

namespace Btc.Worker.Currencies;

public sealed class SyncCurrenciesJob(
    CoinGeckoClient coinGecko, CurrencyStore currencies, ILogger<SyncCurrenciesJob> log) : ISyncCurrenciesJob
{
    public async Task RunAsync(CancellationToken ct)
    {
        var outcome = await coinGecko.GetSupportedVsCurrenciesAsync(ct);
        if (outcome is not CallOutcome<List<string>>.Answered { Value: var served })
            throw new JobFailedException($"CoinGecko's vs-currencies could not be read: {outcome.Describe()}");
        var added = await currencies.AddMissingAsync(served, ct);
        if (added.Count > 0)
            log.LogInformation("New vs-currencies stored: {Currencies}", string.Join(", ", added));
    }
}
