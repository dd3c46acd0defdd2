namespace Btc.Data.Budget;

/// <summary>
/// The shared budget as one decision sees it, read under the budget's lock: the database's clock, CoinGecko's
/// block, the calls in the last <see cref="CallBudget.Window"/> (and of those, gap filling's) and the month's count.
/// </summary>
internal sealed record BudgetState(
    DateTime Now, DateTime BlockedUntil, int Used, DateTime? Oldest, int Fills, DateTime? OldestFill, long MonthUsed)
{
    public BudgetDecision Decide(CallLimits limits, DateTime nextMonth)
    {
        if (limits.PerMonth is { } perMonth && MonthUsed + limits.MonthReserve >= perMonth)
            return new BudgetDecision(nextMonth);
        var fillsFull = limits.Fill && Fills >= limits.PerMinute - limits.MinuteReserve;
        if (BlockedUntil <= Now && Used < limits.PerMinute && !fillsFull)
            return BudgetDecision.Grant;
        // The latest of what stands in the way; a second from now when only a reserve as large as the whole minute
        // does.
        DateTime?[] waits =
        [
            BlockedUntil > Now ? BlockedUntil : null,
            Used >= limits.PerMinute ? Oldest + CallBudget.Window : null,
            fillsFull ? OldestFill + CallBudget.Window : null,
        ];
        return new BudgetDecision(waits.Max() ?? Now.AddSeconds(1));
    }
}
