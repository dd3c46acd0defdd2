namespace Btc.Data.Volatility;

/// <param name="HoursRefreshed">Complete hours whose statistics were recomputed from samples.</param>
/// <param name="RanksStored">Rows written to volatility_rank (coins × currencies × measures).</param>
public sealed record RecomputeResult(DateTime AsOf, int HoursRefreshed, int RanksStored);
