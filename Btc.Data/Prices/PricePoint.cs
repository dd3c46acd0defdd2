namespace Btc.Data.Prices;

/// <summary>One point of a coin's series in one currency.</summary>
public readonly record struct PricePoint(long UnixSeconds, double Price);
