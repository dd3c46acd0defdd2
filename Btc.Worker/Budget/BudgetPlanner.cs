using Btc.Data.Coins;
using Btc.Data.Polling;
using Btc.Worker.CoinGecko;
using Btc.Worker.Polling;
using Microsoft.Extensions.Options;
using Btc.Data.Budget;
using Btc.Data.Backfill;
using Btc.Worker.Backfill;

namespace Btc.Worker.Budget;

/// <summary>
/// Fits the schedule to the month: decides whether a cycle polls (every Nth firing when the month would run out
/// otherwise), keeps the plan for GET /budget, and tells gap filling what the cycles leave it. A new install's first
/// day is part of the month's plan: its calls are reserved first, and the cadence fits what is left, so that a
/// stretched month still shows a chart from the first minute (docs/history.md).
/// </summary>
public sealed class BudgetPlanner(
    CallBudget budget,
    BudgetPlanStore plans,
    CoinStore coins,
    BackfillStore backfill,
    IOptions<CoinGeckoOptions> coinGecko,
    IOptions<PollingOptions> polling,
    IOptions<BackfillOptions> filling,
    TimeProvider clock,
    ILogger<BudgetPlanner> log)
{
    /// <summary>
    /// CoinGecko listed about this many coins in 2024: the guess for Polling__Mode=All before the first list.
    /// </summary>
    private const int ListedGuess = 15_000;

    private PollSchedule? _schedule;
    private PollSchedule Schedule => _schedule ??= new PollSchedule(polling.Value.Cron);

    public async Task<BudgetOutlook> OutlookAsync(DateTime now, CancellationToken ct)
    {
        var (tracked, listed) = await coins.CountAsync(ct);
        var polled = tracked > 0 ? tracked : polling.Value.Mode switch
        {
            TrackingMode.Edges => Math.Min(2 * polling.Value.Edge, listed > 0 ? listed : int.MaxValue),
            TrackingMode.List => polling.Value.CoinList.Count,
            _ => listed > 0 ? listed : ListedGuess,
        };
        var perCycle = Cadence.CallsPerCycle(polled, polling.Value.PageSize);
        var cyclesLeft = Schedule.Estimate(now, CallBudget.MonthOf(now).AddMonths(1));
        var (_, used) = await budget.UsedAsync(now, ct);
        var cap = coinGecko.Value.EffectiveCallsPerMonth;
        var firstDay = cap is { } c ? await FirstDayReserveAsync(polled, c - used, ct) : 0;
        var left = (cap ?? 0) - used - firstDay;
        var fits = cap is null || Cadence.Need(perCycle, cyclesLeft, 1) <= left;
        int? every = fits || polling.Value.MonthlyBudget == MonthlyBudgetMode.Ignore
            ? 1
            : Cadence.Every(perCycle, cyclesLeft, left);
        return new BudgetOutlook(
            polled, perCycle, Schedule.Minutes, cyclesLeft, used, every,
            Cadence.Need(perCycle, cyclesLeft, every), fits, firstDay);
    }

    /// <summary>
    /// The calls the first day's fill still needs, up to half of what is left of the month: a first day dearer
    /// than that (a small plan, many coins) is filled as far as the cycles leave calls, rather than stop polling.
    /// </summary>
    private async Task<int> FirstDayReserveAsync(int polled, long monthLeft, CancellationToken ct)
    {
        var expected = filling.Value.OnFirstStart ? polled * filling.Value.CurrencyList.Count : 0;
        var needed = await backfill.FirstDayCallsLeftAsync(expected, ct);
        return (int)Math.Min(needed, Math.Max(0, monthLeft / 2));
    }

    /// <summary>
    /// Whether the cycle the schedule fired at <paramref name="scheduledFor"/> polls: always, unless the month's budget
    /// stretches the cadence, then when the Nth firing since the last cycle that polled has come. Returns the cadence
    /// it polls at (how long the schedule meant to wait before it: a longer wait is a gap), null when it does not poll.
    /// Says a change of cadence once, whichever replica sees it.
    /// </summary>
    public async Task<TimeSpan?> PollsAsync(DateTime scheduledFor, CancellationToken ct)
    {
        var outlook = await OutlookAsync(clock.GetUtcNow().UtcDateTime, ct);
        var last = (await plans.GetAsync(ct))?.LastPolledFor;
        var polls = outlook.Every is { } n
            && (n == 1 || last is null || last >= scheduledFor || Schedule.Count(last.Value, scheduledFor) >= n);
        var plan = new BudgetPlan(
            coinGecko.Value.EffectiveCallsPerMinute,
            coinGecko.Value.EffectiveCallsPerMonth,
            outlook.CallsPerCycle,
            outlook.CycleMinutes,
            outlook.Every ?? 0,
            outlook.MonthUsed + outlook.Need + outlook.FirstDay,
            polls ? scheduledFor : null,
            clock.GetUtcNow().UtcDateTime);
        var before = await plans.SaveAsync(plan, ct);
        if (before != plan.Every && (before is not null || plan.Every != 1))
            SayCadence(outlook, before);
        return polls ? TimeSpan.FromMinutes(outlook.CycleMinutes * outlook.Every!.Value) : null;
    }

    /// <summary>
    /// What gap filling may take: only what leaves the cycles of any minute their calls (one cycle's on a minutely
    /// schedule, more when it fires faster) and the month's cycles theirs.
    /// </summary>
    public async Task<CallLimits> FillLimitsAsync(CancellationToken ct)
    {
        var outlook = await OutlookAsync(clock.GetUtcNow().UtcDateTime, ct);
        // Per the budget's 61 s window, which holds two minutely cycles' calls around each firing: reserving for one
        // left each cycle waiting a second for the last one's calls to age out, a second later every minute while
        // filling kept the window full (measured: 11 s after 12 minutes).
        var cyclesPerMinute = (int)Math.Ceiling(
            CallBudget.Window.TotalMinutes / (outlook.CycleMinutes * (outlook.Every ?? 1)) - 1e-9);
        return new CallLimits(coinGecko.Value.EffectiveCallsPerMinute, coinGecko.Value.EffectiveCallsPerMonth,
            outlook.CallsPerCycle * Math.Max(1, cyclesPerMinute), outlook.Need, Fill: true);
    }

    /// <summary>
    /// The start-up line: the schedule against both budgets (docs/configuration.md, "Your plan in numbers").
    /// </summary>
    public async Task<string> DescribeAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return Describe(await OutlookAsync(now, ct), coinGecko.Value, polling.Value.MonthlyBudget, now);
    }

    public static string Describe(BudgetOutlook outlook, CoinGeckoOptions plan, MonthlyBudgetMode mode, DateTime now)
    {
        var cycles = TimeSpan.FromDays(30).TotalMinutes / outlook.CycleMinutes;
        var month = Round((long)Math.Round(outlook.CallsPerCycle * cycles));
        var minute = outlook.CycleMinutes <= 1
            ? $"{outlook.CallsPerCycle * Math.Round(1 / outlook.CycleMinutes):N0} calls a minute"
            : $"{outlook.CallsPerCycle:N0} calls every {outlook.CycleMinutes:0.#} minutes";
        var every = outlook.CycleMinutes <= 1 ? "every minute" : $"every {outlook.CycleMinutes:0.#} minutes";
        var allows = $"the {plan.EffectivePlan.ToString().ToLowerInvariant()} plan allows "
            + $"{plan.EffectiveCallsPerMinute:N0} a minute"
            + (plan.EffectiveCallsPerMonth is { } cap ? $" and {cap:N0} a month" : " and sets no monthly cap");
        var verdict = plan.EffectiveCallsPerMonth is not { } limit || outlook.Fits ? "the schedule fits"
            : mode == MonthlyBudgetMode.Ignore
                ? "the month's calls run out after "
                  + $"~{limit / (outlook.CallsPerCycle * 1440 / outlook.CycleMinutes):0.#} days and every call fails "
                  + "until the month turns (Polling__MonthlyBudget=Ignore)"
            : outlook.Every is { } n
                ? $"polling every {n * outlook.CycleMinutes:0.#} minutes instead, to last the month "
                  + "(Polling__MonthlyBudget=Stretch)"
            : $"this month's calls are spent: polling resumes on {CallBudget.MonthOf(now).AddMonths(1):d MMM} UTC";
        var tight = outlook.CallsPerCycle > plan.EffectiveCallsPerMinute * Math.Max(1, outlook.CycleMinutes)
            ? $" A cycle needs more calls than {outlook.CycleMinutes:0.#} minutes allow: its pages wait for the budget."
            : "";
        return $"{outlook.Coins:N0} coins {every}: {minute}, ~{month:N0} a month; {allows}: {verdict}.{tight}";
    }

    private void SayCadence(BudgetOutlook outlook, int? before)
    {
        if (outlook.Every is not { } n)
            log.LogWarning(
                "The month's {Cap:N0} CoinGecko calls are spent ({Used:N0} used): polling resumes when the month turns",
                coinGecko.Value.EffectiveCallsPerMonth, outlook.MonthUsed);
        else if (n == 1)
            log.LogInformation(
                "The month's CoinGecko budget allows polling on schedule again ({Used:N0} calls used)",
                outlook.MonthUsed);
        else
            log.LogWarning(
                "Polling every {Minutes:0.#} minutes (was every {Before}): {Cycles:N0} more cycles of {Calls} calls "
                + "would spend more than the {Left:N0} calls left of the month's {Cap:N0}",
                n * outlook.CycleMinutes,
                before is { } b && b > 0 ? $"{b * outlook.CycleMinutes:0.#} minutes" : "firing",
                outlook.CyclesLeft,
                outlook.CallsPerCycle,
                coinGecko.Value.EffectiveCallsPerMonth - outlook.MonthUsed,
                coinGecko.Value.EffectiveCallsPerMonth);
    }

    // "~475,000": three significant figures are as much as a projection knows.
    private static long Round(long calls)
    {
        var scale = (long)Math.Pow(10, Math.Max(0, (int)Math.Floor(Math.Log10(Math.Max(1, calls))) - 2));
        return (long)Math.Round((double)calls / scale) * scale;
    }
}
