namespace Btc.Data.Budget;

/// <summary>
/// The worker's plan as of its last cycle: its limits, what a cycle costs, how often the schedule runs, the cadence
/// the month allows (poll every <see cref="Every"/>th time the schedule fires) and the month's calls projected with
/// it.
/// </summary>
public sealed record BudgetPlan(
    int CallsPerMinute,
    int? CallsPerMonth,
    int CallsPerCycle,
    double CycleMinutes,
    int Every,
    long ProjectedMonth,
    DateTime? LastPolledFor,
    DateTime PlannedAt);
