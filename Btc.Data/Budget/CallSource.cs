namespace Btc.Data.Budget;

/// <summary>Whose CoinGecko call it is: a cycle's coin list (no page), or one of its pages.</summary>
public readonly record struct CallSource(int CycleId, int? PageNo);
