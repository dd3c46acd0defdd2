using System.Net.Http.Json;
using System.Text.Json;
using Btc.Data.Backfill;
using Btc.Data.Budget;
using Btc.Data.Coins;
using Btc.Tests.Backfill;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Btc.Worker.Backfill;
using Btc.Worker.Budget;
using Btc.Worker.CoinGecko;
using Btc.Worker.Polling;
using CoinGecko.Simulator;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Btc.Tests.Budget;

/// <summary>
/// A new install on a capped plan: its first day is part of the month's plan, filled first, the cadence stretched to
/// what is left (issue 24, "a chart from the first minute").
/// </summary>
public sealed class FirstDayBudgetTests
{
    private const string EveryFiveSeconds = "*/5 * * * * *";

    [Theory]
    [InlineData(true, 1_000)]
    [InlineData(false, 0)]
    public async Task A_new_install_reserves_its_first_day_from_the_month_before_fitting_the_cadence(
        bool onFirstStart, int reserved)
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var clock = new FixedClock(new DateTime(2027, 3, 1, 0, 0, 30, DateTimeKind.Utc));
        // A demo key (10,000 calls a month), 1,000 coins every minute (11 calls a cycle), the first day in usd.
        var planner = new BudgetPlanner(new CallBudget(db.DataSource), new BudgetPlanStore(db.DataSource),
            new CoinStore(db.DataSource), new BackfillStore(db.DataSource),
            Options.Create(new CoinGeckoOptions { ApiKey = "k" }), Options.Create(new PollingOptions()),
            Options.Create(new BackfillOptions { OnFirstStart = onFirstStart }), clock,
            NullLogger<BudgetPlanner>.Instance);

        var outlook = await planner.OutlookAsync(clock.Now.UtcDateTime, default);
        var fill = await planner.FillLimitsAsync(default);

        outlook.FirstDay.Should().Be(reserved, "a call per coin for the day before the first cycle");
        outlook.Every.Should().Be(Cadence.Every(11, outlook.CyclesLeft, 10_000 - reserved));
        (outlook.Need + outlook.FirstDay).Should().BeLessThanOrEqualTo(10_000);
        (10_000 - fill.MonthReserve).Should().BeGreaterThanOrEqualTo(reserved, "filling may take what was reserved");
    }

    [Fact]
    public async Task A_new_install_on_a_capped_plan_has_its_first_day_filled_and_a_cadence_stretched_to_the_rest()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var clock = new AwayFromMonthEndClock();
        var now = clock.GetUtcNow().UtcDateTime;
        var schedule = new PollSchedule(EveryFiveSeconds);
        var cap = schedule.Estimate(now, CallBudget.MonthOf(now).AddMonths(1)) + 100;
        await using var coinGecko = await Simulator.StartAsync(12, $"CallsPerMonth={cap}");
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, null, clock,
            ("Polling:Cron", EveryFiveSeconds), ("Polling:PollOnStart", "true"),
            ("CoinGecko:CallsPerMonth", $"{cap}"), ("Backfill:OnFirstStart", "true"));

        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        await SpendAllButTheCyclesAsync(db, schedule, clock, cap);
        var tasks = await Eventually.Until(async () =>
            {
                await worker.RunBackfillAsync();
                return await BackfillProbe.TasksAsync(db);
            }, t => t.Count == 12 && t.All(x => x.DoneAt is not null), TimeSpan.FromSeconds(180),
            "every tracked coin's first day filled");
        await CycleProbe.WaitForFinishedCycleAsync(db, 3);

        tasks.Should().OnlyContain(t => t.Attempts == 1, "each coin's day is one call");
        await using var api = new ApiFactory(db.ConnectionString, clock);
        using var http = api.CreateClient();
        await FirstDayShouldBeServedAsync(http, coinGecko, clock);
        var budget = await http.GetFromJsonAsync<JsonElement>("/budget");
        budget.GetProperty("cadence").GetProperty("stretched").GetBoolean().Should().BeTrue();
        var month = budget.GetProperty("month");
        month.GetProperty("limit").GetInt32().Should().Be(cap);
        month.GetProperty("projected").GetInt64().Should().BeLessThanOrEqualTo(cap, "the month's plan fits its cap");
        month.GetProperty("used").GetInt32().Should().BeLessThanOrEqualTo(cap);
        (await coinGecko.CallsAsync()).Should().NotContain(c => c.Path == "refused");
    }

    /// <summary>
    /// Leaves the month what cycles of 2 calls (12 coins: the list and one page) at every other firing to its end
    /// take, and 2 calls: a month in which cycles fitted to it alone would leave the first day's 12 calls only what
    /// rounding and late firings spare.
    /// </summary>
    private static async Task SpendAllButTheCyclesAsync(
        DatabaseFixture db, PollSchedule schedule, TimeProvider clock, int cap)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var firings = schedule.Estimate(now, CallBudget.MonthOf(now).AddMonths(1));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE coingecko_month SET calls = @spent WHERE month = @month",
            new { spent = cap - 2 * ((firings + 1) / 2) - 2, month = DateOnly.FromDateTime(CallBudget.MonthOf(now)) });
    }

    /// <summary>Each live coin's day before the first cycle, served as filled points over the last 24 hours.</summary>
    private static async Task FirstDayShouldBeServedAsync(HttpClient http, Simulator coinGecko, TimeProvider clock)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        foreach (var coin in coinGecko.Market.Coins.Where(c => c.Kind == CoinKind.Live))
        {
            var points = await http.GetFromJsonAsync<double[][]>(
                $"/stock/{Uri.EscapeDataString(coin.Id)}/usd?source=filled");
            points.Should().HaveCountGreaterThan(250, $"{coin.Id}'s day at 5-minute spacing");
            points!.Select(p => (long)p[0]).Should().OnlyContain(t => t >= now - 86_400 - 600 && t < now);
        }
    }
}
