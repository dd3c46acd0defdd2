namespace Btc.Data.Prices;

/// <param name="RowsStored">Samples that were new.</param>
/// <param name="Stale">Samples whose (coin, last_updated_at) was already stored.</param>
/// <param name="Closed">The page was stored already, or superseded by a newer cycle: nothing was written.</param>
public sealed record PageResult(int RowsStored, int Stale, bool Closed);
