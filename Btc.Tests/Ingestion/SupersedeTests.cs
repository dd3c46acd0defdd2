using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Ingestion;

/// <summary>
/// A page that could not store within its minute is superseded by the next cycle: never stored late as its cycle's.
/// </summary>
[Trait("Category", "Faults")]
public sealed class SupersedeTests
{
    private const string PricePath = "/simple/price";

    [Fact]
    public async Task A_page_still_fetching_when_the_next_cycle_starts_stores_nothing_and_its_cycle_says_incomplete()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await using var worker = await WorkerHost.StartAsync(
            db.ConnectionString,
            coinGecko,
            ("CoinGecko:TimeoutSeconds", "20"));
        // One page's answer comes after 8 s; the others at once.
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Timeout, Path: PricePath, DelayMs: 8_000));

        worker.TriggerCycle();
        await Eventually.Until(() => OpenPagesAsync(db, cycleId: 1), open => open == 1, CycleProbe.Deadline,
            "two pages stored and one fetching");
        await coinGecko.AdvanceAsync(1);
        worker.TriggerCycle();

        var second = await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        second.Outcome.Should().Be("complete");
        // The slow page's answer arrives after it was superseded: it is refused at the store.
        var first = await Eventually.Until(async () => (await new PollCycleStore(db.DataSource).GetAsync(1))!,
            c => c.FinishedAt is not null, CycleProbe.Deadline, "the first cycle closed");
        first.Outcome.Should().Be("incomplete");
        (first.PagesDone, first.PagesSuperseded).Should().Be((2, 1));
        await WaitForIdleAsync(worker);
        (await RowsOfPageAsync(db, cycleId: 1, pageNo: SupersededPage(db))).Should().Be(0,
            "the slow page's prices are a minute late: not its cycle's");
        (await CycleProbe.DuplicateSamplesAsync(db)).Should().Be(0);
    }

    [Fact]
    public async Task A_page_out_of_retries_is_superseded_by_the_next_cycle_and_a_requeue_by_hand_stores_nothing()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        // Not CoinGecko's JSON, every time: each attempt fails (a
        // 5xx would open the circuit, and a page waits for that).
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Malformed, Count: 1_000, Path: PricePath));
        var monitoring = worker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();

        worker.TriggerCycle();
        var failed = await Eventually.Until(
            () => Task.FromResult(monitoring.FailedJobs(0, 10).Select(j => j.Key).ToArray()),
            ids => ids.Length == 1, TimeSpan.FromSeconds(90), "the page to fail after its retries");
        var open = (await new PollCycleStore(db.DataSource).GetAsync(1))!;
        (open.Outcome, open.Errors).Should().Be(("running", 3), "the first attempt and two retries failed");

        await coinGecko.Client.DeleteAsync("/sim/faults");
        await coinGecko.AdvanceAsync(1);
        await worker.WaitForCircuitClosedAsync();
        worker.TriggerCycle();
        (await CycleProbe.WaitForFinishedCycleAsync(db, 2)).Outcome.Should().Be("complete");
        var first = (await new PollCycleStore(db.DataSource).GetAsync(1))!;
        (first.Outcome, first.PagesSuperseded, first.FinishedAt is not null).Should().Be(("incomplete", 1, true));
        var rows = await CycleProbe.SampleCountAsync(db);
        var calls = await PriceCallsAsync(coinGecko);

        worker.Services.GetRequiredService<IBackgroundJobClient>().Requeue(failed[0]).Should().BeTrue();
        await Eventually.Until(() => Task.FromResult(monitoring.JobDetails(failed[0]).History[0].StateName),
            state => state == "Succeeded", CycleProbe.Deadline, "the requeued page to run");
        (await CycleProbe.SampleCountAsync(db)).Should().Be(rows, "a superseded page fetches and stores nothing");
        (await PriceCallsAsync(coinGecko)).Should().Be(calls, "a superseded page calls nothing");
    }

    private static async Task<int> PriceCallsAsync(Simulator coinGecko) =>
        (await coinGecko.CallsAsync()).Count(c => c.Path.EndsWith(PricePath, StringComparison.Ordinal));

    private static async Task<int> OpenPagesAsync(DatabaseFixture db, int cycleId)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FILTER (WHERE finished_at IS NULL)::int * (count(finished_at) = 2)::int
            FROM poll_cycle_page WHERE cycle_id = @cycleId
            """, new { cycleId });
    }

    private static int SupersededPage(DatabaseFixture db)
    {
        using var connection = db.DataSource.OpenConnection();
        return connection.ExecuteScalar<int>(
            "SELECT page_no FROM poll_cycle_page WHERE cycle_id = 1 AND superseded_by IS NOT NULL");
    }

    private static async Task<int> RowsOfPageAsync(DatabaseFixture db, int cycleId, int pageNo)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("""
            SELECT count(*)::int FROM price_sample s
            JOIN poll_cycle_page p ON s.coin_key = ANY(p.coin_keys) AND p.cycle_id = @cycleId AND p.page_no = @pageNo
            WHERE s.cycle_id = @cycleId
            """, new { cycleId, pageNo });
    }

    /// <summary>
    /// Waits until no job is processing (the slow page's answer has
    /// come back), so that what it would write has been written.
    /// </summary>
    private static Task WaitForIdleAsync(WorkerHost worker)
    {
        var monitoring = worker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        return Eventually.Until(() => Task.FromResult(monitoring.ProcessingCount()), n => n == 0, CycleProbe.Deadline,
            "no job processing");
    }
}
