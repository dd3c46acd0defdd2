using Btc.Data.History.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Microsoft.Extensions.Caching.Memory;

namespace Btc.Api.Stocks;

/// <summary>
/// Resolves the coin id and currency code of a request. A coin's key never changes, so a found one is kept; an id
/// not found is asked again, so a coin is served from its first page on. Currencies are kept for a minute, what
/// the history tiers hold for ten seconds.
/// </summary>
public sealed class StockLookup(CoinStore coins, CurrencyStore currencies, BarReader bars, IMemoryCache cache)
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(1);

    // What the tiers hold moves once a day (rollup, retention); it only chooses the tier, which reads its own bounds.
    private static readonly TimeSpan KeepTiers = TimeSpan.FromSeconds(10);

    public async Task<int?> CoinKeyAsync(string id, CancellationToken ct)
    {
        if (cache.TryGetValue(("coin", id), out int key))
            return key;
        if (await coins.FindKeyAsync(id, ct) is not { } found)
            return null;
        cache.Set(
            ("coin", id), found, new MemoryCacheEntryOptions { Size = 64, SlidingExpiration = TimeSpan.FromHours(1) });
        return found;
    }

    public async Task<Currency?> CurrencyAsync(string code, CancellationToken ct) =>
        (await CurrenciesAsync(ct)).GetValueOrDefault(code);

    /// <summary>The codes of the currencies stored (lowercase, as CoinGecko gives them), in code-point order.</summary>
    public async Task<IReadOnlyList<string>> CurrencyCodesAsync(CancellationToken ct) =>
        (await CurrenciesAsync(ct)).Keys.Order(StringComparer.Ordinal).ToArray();

    private async Task<Dictionary<string, Currency>> CurrenciesAsync(CancellationToken ct) =>
        (await cache.GetOrCreateAsync("currencies", async entry =>
        {
            entry.SetAbsoluteExpiration(Keep).SetSize(4096);
            return (await currencies.ListAsync(ct)).ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);
        }))!;

    public async Task<HistoryTiers> TiersAsync(CancellationToken ct) =>
        (await cache.GetOrCreateAsync("tiers", async entry =>
        {
            entry.SetAbsoluteExpiration(KeepTiers).SetSize(64);
            return await bars.TiersAsync(ct);
        }))!;
}
