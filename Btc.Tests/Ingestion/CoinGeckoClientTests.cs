using Btc.Data.Budget;
using Btc.Tests.Infrastructure;
using Btc.Worker.CoinGecko;
using CoinGecko.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Ingestion;

/// <summary>
/// The client's outcomes against the simulator and the real shared budget: every attempt it makes is counted once,
/// and each way a call can end comes back as its own value.
/// </summary>
public sealed class CoinGeckoClientTests
{
    private const string PricePath = "/simple/price";
    private static readonly string[] Usd = ["usd"];

    [Fact]
    public async Task An_outage_is_tried_again_and_every_attempt_is_counted_once()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 2, Path: PricePath, Status: 503));
        var before = await run.Budget.UsedAsync(DateTime.UtcNow);

        var outcome = await run.Client.GetPricesAsync(1, 0, run.Ids, Usd, CancellationToken.None);

        outcome.Should().BeOfType<CallOutcome<PriceQuotes>.Answered>().Which.Value.Should().NotBeEmpty();
        outcome.Calls.Should().Be(3, "two 503s and the answer");
        (await run.PriceCallsAsync()).Should().Be(3);
        var used = await run.Budget.UsedAsync(DateTime.UtcNow);
        (used.Minute - before.Minute).Should().Be(3, "each attempt took a call from the minute");
        (used.Month - before.Month).Should().Be(1, "CoinGecko counts only the successful call against the month");
    }

    [Fact]
    public async Task A_lasting_outage_fails_as_unavailable_after_three_attempts()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 100, Path: PricePath, Status: 500));

        var outcome = await run.Client.GetPricesAsync(1, 0, run.Ids, Usd, CancellationToken.None);

        var failed = outcome.Should().BeOfType<CallOutcome<PriceQuotes>.Failed>().Subject;
        failed.Unavailable.Should().BeTrue();
        failed.Reason.Should().Contain("500");
        failed.Calls.Should().Be(3);
        (await run.PriceCallsAsync()).Should().Be(3);
    }

    [Fact]
    public async Task Nonsense_is_a_failure_that_is_not_tried_again()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Malformed, Count: 100, Path: PricePath));

        var outcome = await run.Client.GetPricesAsync(1, 0, run.Ids, Usd, CancellationToken.None);

        var failed = outcome.Should().BeOfType<CallOutcome<PriceQuotes>.Failed>().Subject;
        failed.Unavailable.Should().BeFalse("CoinGecko answered, with something that is not its JSON");
        failed.Reason.Should().StartWith("not CoinGecko's JSON");
        failed.Calls.Should().Be(1);
        (await run.PriceCallsAsync()).Should().Be(1);
    }

    [Fact]
    public async Task A_429_for_gap_filling_is_returned_with_its_Retry_After_and_stops_every_replica_until_then()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(
            new Fault(FaultKind.RateLimit, Path: "/market_chart/range", RetryAfterSeconds: 30));
        var fill = new CallLimits(PerMinute: 100, PerMonth: null, Fill: true);
        var now = DateTime.UtcNow;

        var outcome = await run.Client.GetMarketChartRangeAsync(
            fill, run.Ids[0], "usd", now.AddHours(-2), now, default);

        var limited = outcome.Should().BeOfType<CallOutcome<MarketChart>.RateLimited>().Subject;
        limited.Until.Should().BeCloseTo(now.AddSeconds(30), TimeSpan.FromSeconds(5));
        var next = await run.Budget.TryTakeAsync(new CallLimits(100, null), null, DateTime.UtcNow);
        next.Granted.Should().BeFalse("a 429 blocks every replica's calls");
        next.RetryAt.Should().BeCloseTo(limited.Until, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Filling_refused_by_the_budget_makes_no_call_and_never_waits()
    {
        await using var run = await Run.StartAsync();
        // What the cycles need of the minute is all of it: nothing is left for filling.
        var fill = new CallLimits(PerMinute: 10, PerMonth: null, MinuteReserve: 10, Fill: true);
        var now = DateTime.UtcNow;

        var outcome = await run.Client.GetMarketChartRangeAsync(
            fill, run.Ids[0], "usd", now.AddHours(-2), now, default);

        outcome.Should().BeOfType<CallOutcome<MarketChart>.BudgetRefused>().Which.Calls.Should().Be(0);
        (await run.CoinGecko.CallsAsync()).Should().NotContain(c => c.Path.Contains("market_chart"));
    }

    [Fact]
    public async Task A_refused_connection_is_an_outage_tried_three_times_and_kept_in_the_month()
    {
        await using var run = await Run.StartAsync();
        var before = await run.Budget.UsedAsync(DateTime.UtcNow);
        // Nothing listens where the worker calls CoinGecko any more: every attempt's connection is refused.
        run.Link.Close();

        var outcome = await run.Client.GetPricesAsync(1, 0, run.Ids, Usd, CancellationToken.None);

        var failed = outcome.Should().BeOfType<CallOutcome<PriceQuotes>.Failed>().Subject;
        failed.Unavailable.Should().BeTrue("no connection is CoinGecko being unreachable, not refusing");
        failed.Calls.Should().Be(3, "an outage is tried again twice");
        var used = await run.Budget.UsedAsync(DateTime.UtcNow);
        (used.Minute - before.Minute).Should().Be(3);
        (used.Month - before.Month).Should().Be(3, "an attempt CoinGecko may have seen is never given back");
        run.Circuit.IsOpen.Should().BeFalse("three failed attempts are too few to judge CoinGecko down");
    }

    private sealed class Run : IAsyncDisposable
    {
        private Run(DatabaseFixture db, Simulator coinGecko, TcpForwarder link, WorkerHost worker, string[] ids)
        {
            (Db, CoinGecko, Link, Worker, Ids) = (db, coinGecko, link, worker, ids);
        }

        public DatabaseFixture Db { get; }
        public Simulator CoinGecko { get; }
        /// <summary>The worker's way to the simulator: closed, CoinGecko refuses connections.</summary>
        public TcpForwarder Link { get; }
        public WorkerHost Worker { get; }
        public string[] Ids { get; }
        public CoinGeckoClient Client => Worker.Services.GetRequiredService<CoinGeckoClient>();
        public CallBudget Budget => Worker.Services.GetRequiredService<CallBudget>();
        public CoinGeckoCircuit Circuit => Worker.Services.GetRequiredService<CoinGeckoCircuit>();

        public static async Task<Run> StartAsync()
        {
            var db = await DatabaseFixture.CreateAsync();
            var coinGecko = await Simulator.StartAsync(coins: 5);
            var link = new TcpForwarder("127.0.0.1", coinGecko.BaseUrl.Port);
            link.Open();
            var worker = await WorkerHost.StartAsync(
                db.ConnectionString, coinGecko, ("CoinGecko:BaseUrl", $"http://127.0.0.1:{link.Port}/api/v3"));
            var ids = coinGecko.Market.Coins.Take(2).Select(c => c.Id).ToArray();
            // The worker syncs the currencies as it starts: its call is charged before it reaches the simulator.
            await Eventually.Until(coinGecko.CallsAsync, calls => calls.Any(c => c.Path.Contains("supported_vs")),
                TimeSpan.FromSeconds(30), "the worker's start-up currency sync");
            return new Run(db, coinGecko, link, worker, ids);
        }

        public async Task<int> PriceCallsAsync() =>
            (await CoinGecko.CallsAsync()).Count(c => c.Path.Contains(PricePath, StringComparison.Ordinal));

        public async ValueTask DisposeAsync()
        {
            await Worker.DisposeAsync();
            Link.Dispose();
            await CoinGecko.DisposeAsync();
            await Db.DisposeAsync();
        }
    }
}
