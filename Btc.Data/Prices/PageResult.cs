namespace Btc.Data.Prices;

/// <param name="RowsStored">Samples that were new.</param>
/// <param name="Stale">Samples whose (coin, last_updated_at) was already stored.</param>
public sealed record PageResult(int RowsStored, int Stale);
