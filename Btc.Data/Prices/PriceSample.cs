namespace Btc.Data.Prices;

/// <summary>
/// One coin's prices at one CoinGecko last_updated_at; <see cref="Prices"/>[i] belongs to the i-th currency
/// of the list the sample was built against, null where CoinGecko gave none.
/// </summary>
public sealed record PriceSample(int CoinKey, DateTime LastUpdatedAt, double?[] Prices);
