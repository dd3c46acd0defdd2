using Btc.Data.Coins;
using Btc.Data.Currencies;
using Microsoft.Extensions.Caching.Memory;

namespace Btc.Api.Stocks;

/// <summary>Resolves the coin id and currency code of a request, with the answers kept for a minute.</summary>
public sealed class StockLookup(CoinStore coins, CurrencyStore currencies, IMemoryCache cache)
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(1);

    public async Task<int?> CoinKeyAsync(string id, CancellationToken ct) =>
        await cache.GetOrCreateAsync(("coin", id), async entry =>
        {
            entry.SetAbsoluteExpiration(Keep).SetSize(64);
            return await coins.FindKeyAsync(id, ct);
        });

    public async Task<Currency?> CurrencyAsync(string code, CancellationToken ct)
    {
        var all = await cache.GetOrCreateAsync("currencies", async entry =>
        {
            entry.SetAbsoluteExpiration(Keep).SetSize(4096);
            return (await currencies.ListAsync(ct)).ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);
        });
        return all!.GetValueOrDefault(code);
    }
}
