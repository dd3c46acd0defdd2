using Btc.Data.Backfill;
using Btc.Data.Polling;
using Btc.Data.Budget;

namespace Btc.Api.Budget;

/// <summary>The CoinGecko plan's two budgets as the worker replicas spend them together.</summary>
public static class BudgetEndpoints
{
    public static IEndpointRouteBuilder MapBudget(this IEndpointRouteBuilder app)
    {
        app.MapGet("/budget", GetAsync)
            .WithTags("Cycles")
            .WithName("GetBudget")
            .WithSummary(
                "CoinGecko calls used, remaining and projected in the last minute and this month (UTC), the cadence " +
                "in force, and gap filling.")
            .WithDescription(
                "Limits and the cadence are the worker's as of its last cycle (null before one ran). When the " +
                "schedule would spend the month before it ends, cycles poll every N minutes instead (stretched). " +
                "Counted as CoinGecko counts: calls it refused are given back.");
        return app;
    }

    private static async Task<BudgetResponse> GetAsync(
        CallBudget budget, BudgetPlanStore plans, BackfillStore backfill, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (minute, month) = await budget.UsedAsync(now, ct);
        var plan = await plans.GetAsync(ct);
        var progress = await backfill.ProgressAsync(ct);
        var everyMinutes = plan is { Every: > 0 } ? plan.Every * plan.CycleMinutes : (double?)null;
        return new BudgetResponse(
            MinuteWindow(plan, minute, everyMinutes),
            MonthWindow(plan, month, now),
            plan is null
                ? null
                : new BudgetCadence(everyMinutes ?? 0, plan.Every != 1, plan.CallsPerCycle, plan.PlannedAt),
            new BudgetBackfill(progress.Gaps, progress.Tasks, progress.Done, Math.Round(progress.Percent, 1),
                progress.Calls, progress.Points));
    }

    /// <summary>The last 61 s; projected: a cycle's calls at the cadence in force, over the window.</summary>
    private static BudgetWindow MinuteWindow(BudgetPlan? plan, int used, double? everyMinutes) => new(
        "last 61 s", plan?.CallsPerMinute, used,
        plan is null ? null : Math.Max(0, plan.CallsPerMinute - used),
        everyMinutes is { } m ? (long)Math.Ceiling(plan!.CallsPerCycle * CallBudget.Window.TotalMinutes / m) : null);

    private static BudgetWindow MonthWindow(BudgetPlan? plan, int used, DateTime now) => new(
        $"{now:yyyy-MM} UTC", plan?.CallsPerMonth, used,
        plan?.CallsPerMonth is { } cap ? Math.Max(0, cap - used) : null,
        plan is null ? null : Math.Max(plan.ProjectedMonth, used));
}
