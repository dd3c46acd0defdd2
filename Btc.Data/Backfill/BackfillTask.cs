namespace Btc.Data.Backfill;

/// <summary>
/// One call's worth of filling: a coin's prices in one currency for the span (From, Until) no cycle polled.
/// </summary>
public sealed record BackfillTask(
    int GapId, int CoinKey, string CoinId, short CurrencyKey, string CurrencyCode, DateTime From, DateTime Until,
    int Attempts);
