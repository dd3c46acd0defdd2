using System.Text.Json.Serialization;
using Btc.Data.Coins;
using Refit;

namespace Btc.Worker.CoinGecko;

/// <summary>
/// The part of CoinGecko API v3 the worker uses, one HTTP request per call (retries and the budget are
/// <see cref="CoinGeckoClient"/>'s). Paths are relative to the plan's base URL. Answers come as responses, never as
/// exceptions, so the client decides what each status means.
/// </summary>
public interface ICoinGeckoApi
{
    [Get("/coins/list")]
    Task<IApiResponse<List<CoinListEntry>>> GetCoinListAsync(CancellationToken ct);

    [Get("/simple/supported_vs_currencies")]
    Task<IApiResponse<List<string>>> GetSupportedVsCurrenciesAsync(CancellationToken ct);

    /// <summary>
    /// {"coin id": {"usd": 1.5, "eur": null, "last_updated_at": 1711356300}}. CoinGecko drops unknown ids,
    /// may answer a coin with {}, and leaves out or nulls currencies it has no price in.
    /// </summary>
    [Get("/simple/price?include_last_updated_at=true&precision=full")]
    Task<IApiResponse<PriceQuotes>> GetPricesAsync(
        [Query(CollectionFormat.Csv)] IEnumerable<string> ids,
        [Query(CollectionFormat.Csv), AliasAs("vs_currencies")] IEnumerable<string> vsCurrencies,
        CancellationToken ct);

    /// <summary>
    /// One coin's history in one currency over [from, to] (unix seconds): 5-minute points when <paramref name="from"/>
    /// is within a day of now, hourly within 90 days, daily beyond; [[unix_ms, price], …].
    /// </summary>
    [Get("/coins/{id}/market_chart/range")]
    Task<IApiResponse<MarketChart>> GetMarketChartRangeAsync(
        string id, [AliasAs("vs_currency")] string vsCurrency, long from, long to, CancellationToken ct);
}

/// <summary>/simple/price's answer: each coin's id to its prices by currency code and its "last_updated_at".</summary>
public sealed class PriceQuotes : Dictionary<string, Dictionary<string, double?>>;

public sealed record MarketChart([property: JsonPropertyName("prices")] double?[]?[]? Prices);
