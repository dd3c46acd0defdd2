namespace Btc.Data.Volatility;

/// <param name="HoursSummarized">Complete hours summarized for every coin (new in the window, or never
/// summarized).</param>
/// <param name="CoinHoursRefreshed">Single coins' hours summarized again because samples landed in them later.</param>
/// <param name="RanksStored">Ranks stored (coins × currencies × measures).</param>
public sealed record RecomputeResult(DateTime AsOf, int HoursSummarized, int CoinHoursRefreshed, int RanksStored);
