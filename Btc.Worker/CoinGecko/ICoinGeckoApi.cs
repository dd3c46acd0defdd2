using System.Text.Json.Serialization;
using Btc.Data.Coins;
using Refit;

namespace Btc.Worker.CoinGecko;

/// <summary>The part of CoinGecko API v3 the worker uses. Paths are relative to the plan's base URL.</summary>
public interface ICoinGeckoApi
{
    [Get("/ping")]
    Task<Ping> PingAsync(CancellationToken ct);

    [Get("/coins/list")]
    Task<List<CoinListEntry>> GetCoinListAsync(CancellationToken ct);

    [Get("/simple/supported_vs_currencies")]
    Task<List<string>> GetSupportedVsCurrenciesAsync(CancellationToken ct);

    /// <summary>
    /// {"coin id": {"usd": 1.5, "eur": null, "last_updated_at": 1711356300}}. CoinGecko drops unknown ids,
    /// may answer a coin with {}, and leaves out or nulls currencies it has no price in.
    /// </summary>
    [Get("/simple/price?include_last_updated_at=true&precision=full")]
    Task<Dictionary<string, Dictionary<string, double?>>> GetPricesAsync(
        [Query(CollectionFormat.Csv)] IEnumerable<string> ids,
        [Query(CollectionFormat.Csv), AliasAs("vs_currencies")] IEnumerable<string> vsCurrencies,
        CancellationToken ct);

    /// <summary>
    /// One coin's history in one currency over [from, to] (unix seconds): 5-minute points when <paramref name="from"/>
    /// is within a day of now, hourly within 90 days, daily beyond; [[unix_ms, price], …].
    /// </summary>
    [Get("/coins/{id}/market_chart/range")]
    Task<MarketChart> GetMarketChartRangeAsync(string id, [AliasAs("vs_currency")] string vsCurrency, long from, long to, CancellationToken ct);
}

public sealed record Ping(string GeckoSays);

public sealed record MarketChart([property: JsonPropertyName("prices")] double?[]?[]? Prices);
