using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using Btc.Worker.CoinGecko;
using CoinGecko.Simulator;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Ingestion;

/// <summary>
/// CoinGecko down — connections refused, 503s, answers that never come — for several minutes: every minute fails on
/// its own row, cheaply and within the minute, nothing runs late, and the first minute after CoinGecko is back
/// completes.
/// </summary>
[Trait("Category", "Faults")]
public sealed class UpstreamOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string PricePath = "/simple/price";

    [Fact]
    public async Task
        Each_minute_of_an_outage_fails_on_its_own_row_within_the_minute_spending_only_the_coin_list_tries()
    {
        await using var run = await Run.StartAsync(coins: 300);
        var normal = await run.CycleAsync(1);
        normal.Outcome.Should().Be("complete");
        var storedBefore = await CycleProbe.SampleCountAsync(run.Db);

        run.Link.Close();
        var refused = await run.CycleAsync(2);
        run.Link.Open();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 10_000, Status: 503));
        var unavailable = await run.CycleAsync(3);
        await run.CoinGecko.Client.DeleteAsync("/sim/faults");
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Timeout, Count: 10_000, DelayMs: 5_000));
        var silent = await run.CycleAsync(4);

        foreach (var cycle in new[] { refused, unavailable, silent })
        {
            cycle.Outcome.Should().Be("failed");
            cycle.LastError.Should().StartWith("The coin list failed");
            (cycle.FinishedAt!.Value - cycle.StartedAt).Should()
                .BeLessThan(TimeSpan.FromSeconds(60), "a cycle ends within its minute");
            cycle.CallsUsed.Should()
                .BeLessThanOrEqualTo(3, "an outage minute costs the coin list's tries at most, a normal one 4");
        }
        // Minutes come seconds apart here: the refused minute's attempts may still be in the circuit's window.
        unavailable.LastError.Should().ContainAny("503", "circuit is now open");

        await run.CoinGecko.Client.DeleteAsync("/sim/faults");
        var returned = DateTime.UtcNow;
        await run.CoinGecko.AdvanceAsync(1);
        var back = await run.CycleAsync(5);
        output.WriteLine(
            $"outage minutes: {refused.CallsUsed}, {unavailable.CallsUsed}, {silent.CallsUsed} calls " +
            $"(a normal one {normal.CallsUsed}); the first cycle after CoinGecko returned complete " +
            $"{(back.FinishedAt!.Value - returned).TotalSeconds:0.0} s later");
        back.Outcome.Should().Be("complete");
        back.Errors.Should().Be(0);

        await run.AssertNothingLateLostOrTwiceAsync(storedBefore + back.RowsStored);
        // Every attempt CoinGecko saw is in some cycle's calls (refused connections are counted too: the worker cannot
        // tell whether CoinGecko saw them).
        var cycles = await new PollCycleStore(run.Db.DataSource).RecentAsync(10);
        (await run.CoinGecko.CallsAsync()).Count(c => c.Path.StartsWith("/api/v3", StringComparison.Ordinal))
            .Should().BeLessThanOrEqualTo(cycles.Sum(c => c.CallsUsed));
    }

    [Fact]
    public async Task When_only_prices_fail_the_circuit_opens_and_the_minute_costs_little_more_than_a_normal_one()
    {
        // Ten pages, as in production's default 1,000 tracked coins.
        await using var run = await Run.StartAsync(coins: 1_000);
        var normal = await run.CycleAsync(1);
        var storedBefore = await CycleProbe.SampleCountAsync(run.Db);

        await run.CoinGecko.Client.DeleteAsync("/sim/calls");
        await run.CoinGecko.AddFaultAsync(
            new Fault(FaultKind.Status, Count: 10_000, Path: PricePath, Status: 503));
        run.Worker.TriggerCycle();
        // The circuit opens, and the pages it refused wait for it (scheduled, no call made).
        await Eventually.Until(
            () => Task.FromResult(run.Circuit.IsOpen && run.Monitoring.ScheduledCount() > 0), ready => ready,
            CycleProbe.Deadline, "the circuit open and the refused pages waiting for it");

        var calls = (await run.CoinGecko.CallsAsync())
            .Count(c => c.Path.EndsWith(PricePath, StringComparison.Ordinal));
        calls.Should().BeLessThanOrEqualTo((int)(1.5 * normal.CallsUsed),
            "a failing minute costs no more than 1.5 normal minutes");

        (await new PollCycleStore(run.Db.DataSource).GetAsync(2))!.CallsUsed.Should()
            .BeGreaterThanOrEqualTo(calls + 1, "every attempt is counted, the list's included");

        // The next minute comes while CoinGecko still fails: it supersedes the waiting pages (and fails itself).
        run.Worker.TriggerCycle();
        await Eventually.Until(
            async () => (await new PollCycleStore(run.Db.DataSource).GetAsync(2))!.Outcome,
            outcome => outcome == "incomplete",
            CycleProbe.Deadline, "the failing minute closed as incomplete by the next");

        await run.CoinGecko.Client.DeleteAsync("/sim/faults");
        await run.CoinGecko.AdvanceAsync(1);
        var back = await run.CycleAsync(4);
        back.Outcome.Should().Be("complete");
        await run.AssertNothingLateLostOrTwiceAsync(storedBefore + back.RowsStored);
    }

    [Fact]
    public async Task
        A_burst_of_failures_that_opens_the_circuit_costs_no_page_they_wait_for_it_and_the_cycle_completes()
    {
        // A 24 s break (3 timeouts), longer than a page's two retries (5 s and 15 s) take: only waiting for the circuit
        // saves the refused pages, as it must in production (a 30 s break).
        await using var run = await Run.StartAsync(coins: 1_000, timeoutSeconds: 8);
        await run.CoinGecko.AddFaultAsync(
            new Fault(FaultKind.Status, Count: 10_000, Path: PricePath, Status: 503));

        run.Worker.TriggerCycle();
        // CoinGecko fails only until the circuit opens: a burst of a second or so.
        await Eventually.Until(
            () => Task.FromResult(run.Circuit.IsOpen), open => open, CycleProbe.Deadline, "the circuit to open");
        await run.CoinGecko.Client.DeleteAsync("/sim/faults");
        var cycle = await Eventually.Until(
            async () => (await new PollCycleStore(run.Db.DataSource).RecentAsync(1)).SingleOrDefault(),
            c => c?.FinishedAt is not null, TimeSpan.FromSeconds(90), "the cycle to finish");

        run.Circuit.ClosesAt.Should().BeAfter(cycle!.StartedAt, "the burst opened the circuit");
        (cycle.Outcome, cycle.RowsStored).Should().Be(("complete", run.PricedCoins), "no page was lost to the burst");
        await run.AssertNothingLateLostOrTwiceAsync(run.PricedCoins);
    }

    private sealed class Run : IAsyncDisposable
    {
        public required DatabaseFixture Db { get; init; }
        public required Simulator CoinGecko { get; init; }
        /// <summary>The worker reaches CoinGecko through this: closed, CoinGecko refuses connections.</summary>
        public required TcpForwarder Link { get; init; }
        public required WorkerHost Worker { get; init; }
        public CoinGeckoCircuit Circuit => Worker.Services.GetRequiredService<CoinGeckoCircuit>();
        public IMonitoringApi Monitoring => Worker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        public int PricedCoins => CoinGecko.Market.Coins.Count(c => c.Kind is CoinKind.Live or CoinKind.Partial);

        public static async Task<Run> StartAsync(int coins, int timeoutSeconds = 1)
        {
            var db = await DatabaseFixture.CreateAsync();
            var coinGecko = await Simulator.StartAsync(coins);
            var link = new TcpForwarder("127.0.0.1", coinGecko.BaseUrl.Port);
            link.Open();
            var timeout = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko,
                ("CoinGecko:BaseUrl", $"http://127.0.0.1:{link.Port}/api/v3"), ("CoinGecko:TimeoutSeconds", timeout));
            return new Run { Db = db, CoinGecko = coinGecko, Link = link, Worker = worker };
        }

        /// <summary>Triggers cycle <paramref name="number"/> and waits for it to end.</summary>
        public async Task<PollCycle> CycleAsync(int number)
        {
            await Worker.WaitForCircuitClosedAsync();
            Worker.TriggerCycle();
            return await CycleProbe.WaitForFinishedCycleAsync(Db, number);
        }

        public Task WaitForIdleAsync() => Eventually.Until(
            () => Task.FromResult(
                Monitoring.ProcessingCount() + Monitoring.EnqueuedCount("default") + Monitoring.ScheduledCount()),
            n => n == 0, TimeSpan.FromSeconds(90), "no job enqueued, scheduled or running");

        /// <summary>
        /// No job left to run late, every sample stored before the outage still there, none stored twice.
        /// </summary>

        public async Task AssertNothingLateLostOrTwiceAsync(int expectedSamples)
        {
            await WaitForIdleAsync();
            (await CycleProbe.SampleCountAsync(Db)).Should().Be(expectedSamples);
            (await CycleProbe.DuplicateSamplesAsync(Db)).Should().Be(0);
        }

        public async ValueTask DisposeAsync()
        {
            await Worker.DisposeAsync();
            Link.Dispose();
            await CoinGecko.DisposeAsync();
            await Db.DisposeAsync();
        }
    }
}
