using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Ingestion;

/// <summary>
/// Each CoinGecko fault ends as the policy says, nothing is half-written, and the next cycle is complete.
/// </summary>
public sealed class FaultTests
{
    private const string PricePath = "/simple/price";

    [Fact]
    public async Task A_429_with_Retry_After_stops_every_call_until_then_and_the_page_completes_after_waiting()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.RateLimit, Path: PricePath, RetryAfterSeconds: 3));

        run.Worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(run.Db, 1);

        cycle.RowsStored.Should().Be(run.PricedCoins);
        cycle.Errors.Should().Be(0, "a short Retry-After is waited out, not failed");
        var calls = await run.CoinGecko.CallsAsync();
        var refused = calls.First(c => c.Path.EndsWith(PricePath, StringComparison.Ordinal));
        var refusedIndex = calls.ToList().IndexOf(refused);
        // Calls already on the wire when the 429 came back are fine; none may start inside the Retry-After window.
        calls.Skip(refusedIndex + 1).Where(c => c.At > refused.At.AddSeconds(0.5))
            .Should().OnlyContain(c => c.At >= refused.At.AddSeconds(2.5));
        await run.AssertNextCycleCompleteAsync(2);
    }

    [Fact]
    public async Task A_passing_500_is_retried_within_the_call_and_the_cycle_completes_without_error()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 2, Path: PricePath, Status: 500));

        run.Worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(run.Db, 1);

        cycle.RowsStored.Should().Be(run.PricedCoins);
        cycle.Errors.Should().Be(0);
        cycle.CallsUsed.Should().Be(1 + 3 + 2, "the list, three pages and two retried attempts");
        await run.AssertNextCycleCompleteAsync(2);
    }

    [Fact]
    public async Task A_lasting_500_fails_the_page_visibly_with_nothing_written_and_a_retry_by_hand_completes_it()
    {
        await using var run = await Run.StartAsync(coins: 100);
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 1_000, Path: PricePath, Status: 503));
        var monitoring = run.Worker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();

        run.Worker.TriggerCycle();
        var retrying = await Eventually.Until(
            () => Task.FromResult(monitoring.ScheduledJobs(0, 10).Select(j => j.Key).ToArray()),
            ids => ids.Length == 1, CycleProbe.Deadline, "the failed page job to wait for its retry");

        (await CycleProbe.SampleCountAsync(run.Db)).Should().Be(0, "a failed page writes nothing");
        var cycle = (await new Btc.Data.Polling.PollCycleStore(run.Db.DataSource).RecentAsync(1)).Single();
        cycle.FinishedAt.Should().BeNull();
        cycle.Errors.Should().Be(1);
        cycle.LastError.Should().Contain("503");

        await run.CoinGecko.Client.DeleteAsync("/sim/faults");
        await run.Worker.WaitForCircuitClosedAsync();
        run.Worker.Services.GetRequiredService<IBackgroundJobClient>().Requeue(retrying[0]).Should().BeTrue();

        var finished = await CycleProbe.WaitForFinishedCycleAsync(run.Db, 1);
        finished.RowsStored.Should().Be(run.PricedCoins);
        await run.AssertNextCycleCompleteAsync(2);
    }

    [Fact]
    public async Task A_timeout_is_retried_within_the_call_and_the_cycle_completes_without_error()
    {
        await using var run = await Run.StartAsync(settings: ("CoinGecko:TimeoutSeconds", "1"));
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Timeout, Path: PricePath, DelayMs: 10_000));

        run.Worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(run.Db, 1);

        cycle.RowsStored.Should().Be(run.PricedCoins);
        cycle.Errors.Should().Be(0);
        cycle.CallsUsed.Should().Be(1 + 3 + 1);
        await run.AssertNextCycleCompleteAsync(2);
    }

    [Fact]
    public async Task A_malformed_body_fails_the_attempt_and_the_page_job_retry_completes_it()
    {
        await using var run = await Run.StartAsync();
        await run.CoinGecko.AddFaultAsync(new Fault(FaultKind.Malformed, Path: PricePath));

        run.Worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(run.Db, 1);

        cycle.RowsStored.Should().Be(run.PricedCoins);
        cycle.Errors.Should().Be(1);
        await run.AssertNextCycleCompleteAsync(2);
    }

    private sealed class Run : IAsyncDisposable
    {
        public required DatabaseFixture Db { get; init; }
        public required Simulator CoinGecko { get; init; }
        public required WorkerHost Worker { get; init; }

        // Every coin is tracked: the simulated lists here are shorter than twice the edge.
        public int PricedCoins => CoinGecko.Market.Coins.Count(c => c.Kind is CoinKind.Live or CoinKind.Partial);
        private int UpdatedCoins => CoinGecko.Market.Coins.Count(c => c.Kind is CoinKind.Live or CoinKind.Partial);

        /// <param name="coins">300 makes three pages.</param>
        public static async Task<Run> StartAsync(int coins = 300, params (string, string)[] settings)
        {
            var db = await DatabaseFixture.CreateAsync();
            var coinGecko = await Simulator.StartAsync(coins);
            var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings);
            return new Run { Db = db, CoinGecko = coinGecko, Worker = worker };
        }

        /// <summary>After a fault, the next cycle (on new prices) stores every priced coin with no error.</summary>
        public async Task AssertNextCycleCompleteAsync(int number)
        {
            await CoinGecko.AdvanceAsync(1);
            await Worker.WaitForCircuitClosedAsync();
            Worker.TriggerCycle();
            var next = await CycleProbe.WaitForFinishedCycleAsync(Db, number);
            next.Errors.Should().Be(0);
            next.RowsStored.Should().Be(UpdatedCoins);
        }

        public async ValueTask DisposeAsync()
        {
            await Worker.DisposeAsync();
            await CoinGecko.DisposeAsync();
            await Db.DisposeAsync();
        }
    }
}
