namespace Btc.Data.Budget;

/// <summary>
/// What one call may take from the budgets: the plan's limits, and for gap filling (<see cref="Fill"/>) what must stay
/// free for the cycles: their calls in any minute (<see cref="MinuteReserve"/>: fills' calls in the last minute leave
/// them room, whatever the cycles have called so far) and the rest of the month's cycles (<see cref="MonthReserve"/>).
/// </summary>
public readonly record struct CallLimits(
    int PerMinute, int? PerMonth, int MinuteReserve = 0, long MonthReserve = 0, bool Fill = false);
