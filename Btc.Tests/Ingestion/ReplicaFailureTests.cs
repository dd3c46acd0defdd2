using Btc.Hosting.Scheduling;
using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;
using Dapper;
using Hangfire;

namespace Btc.Tests.Ingestion;

/// <summary>
/// A worker replica as its own process, killed or stopped while its pages wait on CoinGecko, beside a replica that
/// carries on: nothing is lost, nothing is stored twice, and nothing waits long.
/// </summary>
[Trait("Category", "Faults")]
public sealed class ReplicaFailureTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string PricePath = "/simple/price";

    [Fact]
    public async Task A_replica_killed_mid_page_costs_at_most_a_minute_and_every_attempt_is_counted()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        // Each of the three pages' first call hangs: the pages are in flight when the replica dies.
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Timeout, Count: 3, Path: PricePath, DelayMs: 60_000));
        using var doomed = StartReplica(db, coinGecko);
        await Eventually.Until(() => PricesCalledAsync(coinGecko), n => n == 3, CycleProbe.Deadline,
            "the three pages on the wire");

        doomed.Process.Kill(entireProcessTree: true);
        await doomed.Process.WaitForExitAsync();
        var killed = DateTime.UtcNow;
        await using var survivor = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        await coinGecko.AdvanceAsync(1);
        survivor.TriggerCycle(); // the next minute

        (await CycleProbe.WaitForFinishedCycleAsync(db, 2)).Outcome.Should().Be("complete");
        output.WriteLine($"the next cycle complete {(DateTime.UtcNow - killed).TotalSeconds:0.0} s after the kill");
        var first = (await new PollCycleStore(db.DataSource).GetAsync(1))!;
        (first.Outcome, first.PagesSuperseded, first.RowsStored).Should().Be(("incomplete", 3, 0),
            "never shown complete with another minute's prices");
        first.CallsUsed.Should().Be(1 + 3,
            "the coin list and the three attempts the killed replica made, as CoinGecko counts them");

        // The killed replica's jobs are fetched again after the invisibility timeout, find their pages superseded,
        // and end; its server leaves the list.
        var storage = HangfireStorage.Create(db.ConnectionString);
        var monitoring = storage.GetMonitoringApi();
        await Eventually.Until(() => Task.FromResult((monitoring.ProcessingCount(), monitoring.Servers().Count)),
            state => state == (0, 1), TimeSpan.FromSeconds(150), "no job processing and one server left");
        output.WriteLine(
            $"no job processing and the dead server gone {(DateTime.UtcNow - killed).TotalSeconds:0.0} s after the "
                + "kill");
        (await CycleProbe.DuplicateSamplesAsync(db)).Should().Be(0, "no sample is stored twice");
        (await new PollCycleStore(db.DataSource).GetAsync(1))!.RowsStored.Should().Be(0);
    }

    [Fact]
    public async Task A_replica_stopped_mid_page_hands_its_pages_back_at_once_and_another_completes_the_cycle()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Timeout, Count: 3, Path: PricePath, DelayMs: 60_000));
        using var stopping = StartReplica(db, coinGecko);
        await Eventually.Until(() => PricesCalledAsync(coinGecko), n => n == 3, CycleProbe.Deadline,
            "the three pages on the wire");
        await using var survivor = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);

        var signalled = DateTime.UtcNow;
        System.Diagnostics.Process.Start("kill", ["-TERM", stopping.Process.Id.ToString()])!.WaitForExit();

        var cycle = await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        (cycle.Outcome, cycle.RowsStored)
            .Should().Be(("complete", coinGecko.Market.Coins.Count(c => c.Kind is CoinKind.Live or CoinKind.Partial)));
        await stopping.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        stopping.Process.ExitCode.Should().Be(0, stopping.Text);
        output.WriteLine(
            $"cycle complete and the stopped replica exited {(DateTime.UtcNow - signalled).TotalSeconds:0.0} s after "
                + "SIGTERM");
        (DateTime.UtcNow - signalled).Should().BeLessThan(TimeSpan.FromSeconds(30),
            "running jobs get 15 s, then the process stops");
        cycle.CallsUsed.Should().Be(1 + 3 + 3,
            "the list, the stopped replica's three cancelled attempts and the survivor's three");
        (await CycleProbe.DuplicateSamplesAsync(db)).Should().Be(0);
    }

    /// <summary>A worker as its own process; it polls at start, so cycle 1 is its own.</summary>
    private static ProgramOutput StartReplica(DatabaseFixture db, Simulator coinGecko) =>
        ProgramOutput.Of(BuiltProgram.Start("Btc.Worker", new Dictionary<string, string>
        {
            ["ConnectionStrings__Btc"] = db.ConnectionString,
            ["CoinGecko__BaseUrl"] = coinGecko.ApiUrl.ToString(),
            ["CoinGecko__CallsPerMinute"] = "10000",
            ["CoinGecko__TimeoutSeconds"] = "120",
            ["Polling__Cron"] = "0 0 1 1 *",
            ["Polling__PollOnStart"] = "true",
            ["Backfill__OnFirstStart"] = "false",
        }));

    private static async Task<int> PricesCalledAsync(Simulator coinGecko) =>
        (await coinGecko.CallsAsync()).Count(c => c.Path.EndsWith(PricePath, StringComparison.Ordinal));
}
