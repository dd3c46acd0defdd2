namespace Btc.Data.History.Bars;

/// <summary>
/// What a coin's samples in one currency said over an hour or a day starting at <see cref="UnixSeconds"/>.
/// </summary>
public readonly record struct PriceBar(
    long UnixSeconds, double Open, double High, double Low, double Close, double Mean, int Count);
