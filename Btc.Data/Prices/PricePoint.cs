namespace Btc.Data.Prices;

/// <summary>
/// One point of a coin's series in one currency; <see cref="Filled"/> when it came from CoinGecko's history, not a
/// cycle.
/// </summary>
public readonly record struct PricePoint(long UnixSeconds, double Price, bool Filled = false);
