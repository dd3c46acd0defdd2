using System.Net.Http.Json;
using System.Text.Json;
using Btc.Data.Polling;
using Btc.Tests.Backfill;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Btc.Worker.Budget;
using Dapper;
using Btc.Data.Budget;

namespace Btc.Tests.Budget;

public sealed class BudgetWorkerTests
{
    private const string EveryFiveSeconds = "*/5 * * * * *";

    [Fact]
    public async Task A_too_small_month_stretches_the_cadence_and_two_replicas_polling_and_filling_stay_within_it()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(12);
        var clock = new AwayFromMonthEndClock();
        var now = clock.GetUtcNow().UtcDateTime;
        // Every firing to the month's end would take 2 calls (12 coins: the list and one page): the month allows
        // about half of that, so cycles poll every other firing at most.
        var firingsLeft = new PollSchedule(EveryFiveSeconds).Estimate(now, CallBudget.MonthOf(now).AddMonths(1));
        var cap = firingsLeft + 40;
        (string, string)[] settings =
        [
            ("Polling:Cron", EveryFiveSeconds),
            ("Polling:PollOnStart", "true"),
            ("CoinGecko:CallsPerMonth", $"{cap}"),
            ("Backfill:OnFirstStart", "true"),
        ];
        var logs = new LogCapture();
        await using var a = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, logs, clock, settings);
        await using var b = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, logs, clock, settings);

        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        // Both replicas fill the new install's first day at once, with what the cycles leave of the month.
        await Task.WhenAll(a.RunBackfillAsync(), b.RunBackfillAsync());
        await CycleProbe.WaitForFinishedCycleAsync(db, 4);

        var plans = new BudgetPlanStore(db.DataSource);
        var plan = (await plans.GetAsync())!;
        plan.Every.Should().BeGreaterThan(1, "the schedule would spend the month before it ends");
        plan.ProjectedMonth.Should().BeLessThanOrEqualTo(cap, "the cadence fits the month's calls");
        var used = (await new CallBudget(db.DataSource).UsedAsync(clock.GetUtcNow().UtcDateTime)).Month;
        used.Should().BeLessThanOrEqualTo(cap);
        (await coinGecko.CallsAsync()).Count(c => c.Path != "refused").Should().Be(used,
            "every call made is counted, in one month");

        var cycles = (await new PollCycleStore(db.DataSource).RecentAsync(100))
            .OrderBy(c => c.ScheduledFor).Select(c => c.ScheduledFor).ToArray();
        var schedule = new PollSchedule(EveryFiveSeconds);
        cycles.Skip(1).Zip(cycles.Skip(2), (x, y) => schedule.Count(x, y)).Should().OnlyContain(firings => firings >= 2,
            "after the first cycle (which polls as soon as the worker starts) cycles poll every Nth firing, N at "
                + "least 2 all along");
        logs.Messages.Should().Contain(m => m.StartsWith("Polling every", StringComparison.Ordinal));
        logs.Messages.Count(m => m.StartsWith("Polling every", StringComparison.Ordinal))
            .Should().BeLessThan(cycles.Length, "a cadence is said when it changes, not every cycle");

        var tasks = await BackfillProbe.TasksAsync(db);
        tasks.Should().HaveCount(12);
        tasks.Sum(t => t.Calls).Should().BePositive("the cycles leave the month a few calls, and filling takes them");

        await using var api = new ApiFactory(db.ConnectionString, clock);
        var budget = await api.CreateClient().GetFromJsonAsync<JsonElement>("/budget");
        budget.GetProperty("month").GetProperty("limit").GetInt32().Should().Be(cap);
        budget.GetProperty("month").GetProperty("used").GetInt32().Should().BeInRange(used, cap);
        budget.GetProperty("cadence").GetProperty("stretched").GetBoolean().Should().BeTrue();
        budget.GetProperty("cadence")
            .GetProperty("everyMinutes").GetDouble().Should().BeApproximately(plan.Every * 5 / 60.0, 0.01);
        budget.GetProperty("backfill").GetProperty("percent").GetDouble().Should().Be(100, "the first day is filled");
    }

    [Fact]
    public async Task No_minute_spends_more_than_the_minute_budget_while_cycles_and_filling_run_together()
    {
        const int perMinute = 24;
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(20);
        // The simulator refuses (429) anything past the budget, so an overshoot would show as a refused call.
        await coinGecko.SetRateLimitAsync(perMinute);
        (string, string)[] settings =
        [
            ("Polling:Cron", "*/10 * * * * *"),
            ("Polling:PollOnStart", "true"),
            ("CoinGecko:CallsPerMinute", $"{perMinute}"),
            ("Backfill:OnFirstStart", "true"),
        ];
        await using var a = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings);
        await using var b = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings);
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        // Twenty first-day tasks want more than a minute leaves them (6 cycles of 2 calls take 12 of 24): filling
        // spreads over two minutes or more, through the cycles' calls; the deadline leaves a loaded machine room.
        var started = DateTime.UtcNow;
        await Task.WhenAll(a.RunBackfillAsync(), b.RunBackfillAsync());
        await Eventually.Until(
            async () => (await BackfillProbe.TasksAsync(db)).Count(t => t.DoneAt != null),
            done => done == 20,
            TimeSpan.FromMinutes(4), "every coin filled");
        var cyclesDuringFill = (await new PollCycleStore(db.DataSource).RecentAsync(100))
            .Where(c => c.ScheduledFor >= started).ToArray();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var limitedPages = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM poll_cycle_page WHERE last_error ILIKE '%rate limit%'");

        var calls = await coinGecko.CallsAsync();
        calls.Should().NotContain(c => c.Path == "refused", "no call may be refused for the rate limit");
        calls.Select(c => calls.Count(o => o.At >= c.At && o.At < c.At.AddMinutes(1)))
            .Max().Should().BeLessThanOrEqualTo(perMinute);
        BackfillProbe.ChartCalls(calls).Should().Be(20);
        cyclesDuringFill.Should().HaveCountGreaterThanOrEqualTo(3);
        limitedPages.Should().Be(0, "filling never delays a cycle: no page waits for the budget");
    }
}
