using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using Btc.Tests.Running;
using Btc.Worker.Budget;
using Btc.Worker.CoinGecko;
using Btc.Worker.Polling;
using Btc.Data.Coins;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Btc.Data.Budget;
using Btc.Data.Backfill;
using Btc.Worker.Backfill;

namespace Btc.Tests.Budget;

public sealed class MonthlyBudgetTests
{
    // The cadence alone: a first day to fill has tests of its own (FirstDayBudgetTests).
    private static readonly IOptions<BackfillOptions> NoFirstDay =
        Options.Create(new BackfillOptions { OnFirstStart = false });

    [Fact]
    public async Task
        Calls_count_per_calendar_month_in_UTC_a_spent_month_refuses_until_the_next_and_a_refused_call_is_given_back()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var budget = new CallBudget(db.DataSource);
        var limits = new CallLimits(PerMinute: 10_000, PerMonth: 3);
        var lastSecondOfJanuary = new DateTime(2027, 1, 31, 23, 59, 59, DateTimeKind.Utc);
        var february = new DateTime(2027, 2, 1, 0, 0, 0, DateTimeKind.Utc);

        for (var i = 0; i < 3; i++)
            (await budget.TryTakeAsync(limits, null, lastSecondOfJanuary)).Granted.Should().BeTrue();
        var refused = await budget.TryTakeAsync(limits, null, lastSecondOfJanuary);
        refused.Granted.Should().BeFalse("January's 3 calls are spent");
        refused.RetryAt.Should().Be(february, "calls resume when the month turns");

        // A call CoinGecko refused does not count: it is given back to its month.
        await budget.GiveBackAsync(lastSecondOfJanuary);
        (await budget.TryTakeAsync(limits, null, lastSecondOfJanuary)).Granted.Should().BeTrue();
        (await budget.TryTakeAsync(limits, null, lastSecondOfJanuary)).Granted.Should().BeFalse();

        (await budget.TryTakeAsync(limits, null, february)).Granted.Should()
            .BeTrue("February starts with its own 3 calls");
        (await budget.UsedAsync(lastSecondOfJanuary)).Month.Should().Be(3);
        (await budget.UsedAsync(february)).Month.Should().Be(1);
        (await budget.UsedAsync(february.AddDays(27))).Month.Should()
            .Be(1, "the last day of February is still February");
        (await budget.UsedAsync(february.AddMonths(1))).Month.Should().Be(0);
    }

    [Fact]
    public async Task Filling_takes_only_what_leaves_the_cycles_their_calls_in_the_minute_and_the_month()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var budget = new CallBudget(db.DataSource);
        // The month is the caller's (a fixed one); the minute's window runs on the database's clock.
        var now = new DateTime(2027, 4, 10, 12, 0, 0, DateTimeKind.Utc);
        var windowStart = DateTime.UtcNow;
        var fill = new CallLimits(PerMinute: 6, PerMonth: 100, MinuteReserve: 3, Fill: true);
        var cycle = new CallLimits(PerMinute: 6, PerMonth: 100);

        (await budget.TryTakeAsync(cycle, null, now)).Granted.Should().BeTrue();
        (await budget.TryTakeAsync(cycle, null, now)).Granted.Should().BeTrue();
        for (var i = 0; i < 3; i++)
            (await budget.TryTakeAsync(fill, null, now)).Granted.Should()
                .BeTrue("the cycles' calls made so far leave the fills their share");
        var refused = await budget.TryTakeAsync(fill, null, now);
        refused.Granted.Should().BeFalse("3 of every minute's 6 calls are the cycles'");
        refused.RetryAt.Should().BeAfter(windowStart.AddSeconds(50), "when the oldest fill leaves the window");
        (await budget.TryTakeAsync(cycle, null, now)).Granted.Should().BeTrue();
        (await budget.TryTakeAsync(cycle, null, now)).Granted.Should().BeFalse("the minute's 6 calls are spent");

        var month = new DateTime(2027, 3, 10, 0, 0, 0, DateTimeKind.Utc);
        var monthFill = new CallLimits(PerMinute: 10_000, PerMonth: 10, MonthReserve: 6, Fill: true);
        for (var i = 0; i < 4; i++)
            (await budget.TryTakeAsync(monthFill, null, month)).Granted.Should().BeTrue();
        (await budget.TryTakeAsync(monthFill, null, month)).Granted.Should()
            .BeFalse("6 of the month's 10 calls are the cycles' to come");
        (await budget.TryTakeAsync(new CallLimits(10_000, 10), null, month)).Granted.Should().BeTrue();
    }

    [Fact]
    public async Task A_spent_month_stops_polling_until_it_turns_and_the_next_month_is_stretched_from_its_first_minute()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var clock = new FixedClock(new DateTime(2027, 1, 31, 23, 0, 30, DateTimeKind.Utc));
        var budget = new CallBudget(db.DataSource);
        var plans = new BudgetPlanStore(db.DataSource);
        // A demo key (10,000 calls a month) and the default schedule: 1,000 coins every minute, 11 calls a cycle.
        var planner = new BudgetPlanner(budget, plans, new CoinStore(db.DataSource),
            new BackfillStore(db.DataSource),
            Options.Create(new CoinGeckoOptions { ApiKey = "k" }), Options.Create(new PollingOptions()), NoFirstDay,
            clock, NullLogger<BudgetPlanner>.Instance);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync(
                "INSERT INTO coingecko_month (month, calls) VALUES ('2027-01-01', 9990)");

        (await planner.PollsAsync(clock.Now.UtcDateTime, default)).Should()
            .BeNull("10 calls left cannot pay for one cycle of 11");
        (await plans.GetAsync())!.Every.Should().Be(0);

        clock.Now = new DateTime(2027, 2, 1, 0, 0, 30, DateTimeKind.Utc);
        (await planner.PollsAsync(clock.Now.UtcDateTime, default)).Should()
            .Be(TimeSpan.FromMinutes(45), "February brings its own 10,000 calls");
        var plan = (await plans.GetAsync())!;
        plan.Every.Should().Be(45, "28 days of cycles of 11 calls fit 10,000 calls every 45 minutes");
        plan.ProjectedMonth.Should().BeLessThanOrEqualTo(10_000);
        (await budget.UsedAsync(clock.Now.UtcDateTime)).Month.Should().Be(0);

        foreach (var (minutesLater, polls) in new[] { (1, false), (44, false), (45, true), (46, false) })
        {
            clock.Now = new DateTime(2027, 2, 1, 0, minutesLater, 30, DateTimeKind.Utc);
            (await planner.PollsAsync(clock.Now.UtcDateTime, default)).HasValue.Should()
                .Be(polls, $"{minutesLater} minutes into February");
        }
    }

    [Fact]
    public async Task Ignoring_the_month_polls_every_minute_and_leaves_filling_nothing_it_would_need()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var clock = new FixedClock(new DateTime(2027, 3, 10, 12, 0, 30, DateTimeKind.Utc));
        var plans = new BudgetPlanStore(db.DataSource);
        var planner = new BudgetPlanner(new CallBudget(db.DataSource), plans, new CoinStore(db.DataSource),
            new BackfillStore(db.DataSource),
            Options.Create(new CoinGeckoOptions { ApiKey = "k" }),
            Options.Create(new PollingOptions { MonthlyBudget = MonthlyBudgetMode.Ignore }), NoFirstDay, clock,
            NullLogger<BudgetPlanner>.Instance);

        for (var minute = 0; minute < 3; minute++)
        {
            clock.Now = new DateTime(2027, 3, 10, 12, minute, 30, DateTimeKind.Utc);
            (await planner.PollsAsync(clock.Now.UtcDateTime, default)).Should()
                .Be(TimeSpan.FromMinutes(1), "the schedule as it is");
        }
        (await plans.GetAsync())!.ProjectedMonth.Should()
            .BeGreaterThan(10_000, "the month is projected past its cap, and said so");
        var fill = await planner.FillLimitsAsync(default);
        fill.MonthReserve.Should().BeGreaterThanOrEqualTo(10_000, "filling would take what the cycles need");
        fill.MinuteReserve.Should()
            .Be(22, "two cycles of 11 calls fall in the budget's 61 s window around each firing");
    }

    [Theory]
    // docs/configuration.md's example: 1,000 coins every minute on the demo plan.
    [InlineData(11, 43_200, 10_000, 48)]
    [InlineData(11, 43_200, 475_200, 1)]
    [InlineData(11, 43_200, 475_199, 2)]
    [InlineData(2, 60, 40, 3)]
    [InlineData(11, 100, 10, null)]
    [InlineData(11, 0, 0, 1)]
    public void The_cadence_is_the_smallest_that_lasts_the_month(
        int callsPerCycle, int cyclesLeft, long remaining, int? every)
    {
        Cadence.Every(callsPerCycle, cyclesLeft, remaining).Should().Be(every);
        if (every is { } n)
            Cadence.Need(callsPerCycle, cyclesLeft, n).Should().BeLessThanOrEqualTo(Math.Max(remaining, 0));
        if (every is > 1)
            Cadence.Need(callsPerCycle, cyclesLeft, every.Value - 1).Should()
                .BeGreaterThan(remaining, "a shorter cadence would not last");
    }

    [Fact]
    public void The_start_up_line_projects_the_schedule_against_both_budgets()
    {
        var now = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        var demo = new CoinGeckoOptions { ApiKey = "k" };
        var outlook = new BudgetOutlook(Coins: 1_000, CallsPerCycle: 11, CycleMinutes: 1, CyclesLeft: 43_200,
            MonthUsed: 0, Every: 48, Need: 9_900, Fits: false);

        BudgetPlanner.Describe(outlook, demo, MonthlyBudgetMode.Stretch, now).Should().Be(
            "1,000 coins every minute: 11 calls a minute, ~475,000 a month; " +
            "the demo plan allows 30 a minute and 10,000 a month: " +
            "polling every 48 minutes instead, to last the month (Polling__MonthlyBudget=Stretch).");
        var page = File.ReadAllText(Path.Combine(ComposeFileTests.RepositoryRoot(), "docs", "configuration.md"));
        var fits = outlook with { Every = 1, Need = 475_200, Fits = true };
        var pro = new CoinGeckoOptions { ApiKey = "k", Plan = CoinGeckoPlan.Pro };
        foreach (var (plan, expected) in new[] { (demo, outlook), (new CoinGeckoOptions(), fits), (pro, fits) })
            page.Should().Contain($"`{BudgetPlanner.Describe(expected, plan, MonthlyBudgetMode.Stretch, now)}`",
                "docs/configuration.md's \"Your plan in numbers\" quotes the worker");
        BudgetPlanner.Describe(outlook with { Every = 1, Need = 475_200 }, demo, MonthlyBudgetMode.Ignore, now)
            .Should().Contain("the month's calls run out after ~0.6 days and every call fails until the month turns");
        BudgetPlanner.Describe(
                outlook with { Every = 1, Fits = true }, new CoinGeckoOptions(), MonthlyBudgetMode.Stretch, now)
            .Should().Be(

                "1,000 coins every minute: 11 calls a minute, ~475,000 a month; " +
                "the public plan allows 30 a minute and sets no monthly cap: the schedule fits.");

    }
}
