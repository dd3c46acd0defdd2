namespace Btc.Data.Polling;

/// <summary>
/// What one call may take from the budgets: the plan's limits, and what must stay free for others. Gap filling asks
/// with reserves (the next cycle's calls in the minute, the rest of the month's cycles in the month); cycles with none.
/// </summary>
public readonly record struct CallLimits(int PerMinute, int? PerMonth, int MinuteReserve = 0, long MonthReserve = 0);
