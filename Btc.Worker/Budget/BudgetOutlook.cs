namespace Btc.Worker.Budget;

/// <summary>
/// The month as seen now: what a cycle costs, the cycles the schedule has left, the calls used, the cadence that
/// fits (poll every <see cref="Every"/>th firing; null when none does), the calls those cycles need, and whether
/// the schedule as it is would fit; <see cref="FirstDay"/>: the calls reserved for a new install's first day, taken
/// from the month before the cadence is fitted to what is left.
/// </summary>
public sealed record BudgetOutlook(
    int Coins,
    int CallsPerCycle,
    double CycleMinutes,
    int CyclesLeft,
    int MonthUsed,
    int? Every,
    long Need,
    bool Fits,
    int FirstDay = 0);
