using Btc.Api.Stocks;
using Btc.Data.Coins;
using Btc.Data.Prices;

namespace Btc.Api.Coins;

/// <summary>
/// Finds coins with prices (those GET /stock lists) in a <see cref="CoinCatalogue"/> kept by the served data's
/// version: read again after a commit changes what is served, so a coin is found from its first page on, and searched
/// in memory at every keystroke in between.
/// </summary>
public sealed class CoinSearch(CoinStore coins, ServedDataCache cache, TimeProvider clock)
{
    public async Task<IReadOnlyList<CoinListEntry>> FindAsync(string text, int limit, CancellationToken ct)
    {
        var catalogue = await cache.GetOrCreateAsync(
            "coin-catalogue",
            async () => new CoinCatalogue(
                await coins.ListWithPricesAsync(PriceWindow.LastDay(clock.GetUtcNow().UtcDateTime), ct)),
            c => c.Bytes);
        return catalogue!.Find(text, limit);
    }
}
