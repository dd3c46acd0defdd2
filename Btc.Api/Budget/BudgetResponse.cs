namespace Btc.Api.Budget;

/// <summary>
/// The body of GET /budget: CoinGecko calls in the last minute and this month, the cadence in force, and gap filling.
/// </summary>
public sealed record BudgetResponse(
    BudgetWindow Minute, BudgetWindow Month, BudgetCadence? Cadence, BudgetBackfill Backfill);

/// <summary>
/// One budget: its limit (null: none), the calls used in it (the last 61 s, CoinGecko's minute and a second for the
/// calls still on their way; the calendar month in UTC), what is left, and what the schedule in force spends in it
/// (its cycles' calls in that window; the month's used plus its cycles to come).
/// </summary>
public sealed record BudgetWindow(string Period, int? Limit, int Used, int? Remaining, long? Projected);

/// <summary>
/// How often cycles poll: every <see cref="EveryMinutes"/> minutes, stretched when the month would not last otherwise.
/// </summary>
public sealed record BudgetCadence(double EveryMinutes, bool Stretched, int CallsPerCycle, DateTime PlannedAt);

public sealed record BudgetBackfill(int GapsOpen, int Tasks, int Done, double Percent, int Calls, int Points);
