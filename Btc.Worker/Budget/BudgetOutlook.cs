namespace Btc.Worker.Budget;

/// <summary>
/// The month as seen now: what a cycle costs, the cycles the schedule has left, the calls used, the cadence that
/// fits (poll every <see cref="Every"/>th firing; null when none does), the calls those cycles need, and whether
/// the schedule as it is would fit.
/// </summary>
public sealed record BudgetOutlook(
    int Coins,
    int CallsPerCycle,
    double CycleMinutes,
    int CyclesLeft,
    int MonthUsed,
    int? Every,
    long Need,
    bool Fits);
