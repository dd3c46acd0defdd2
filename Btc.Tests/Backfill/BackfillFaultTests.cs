using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using CoinGecko.Simulator;

namespace Btc.Tests.Backfill;

[Trait("Category", "Faults")]
public sealed class BackfillFaultTests
{
    private const string Chart = "/market_chart/range";

    [Fact]
    public async Task CoinGecko_down_pauses_filling_without_giving_up_and_nonsense_is_tried_again_then_stored_once()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(10);
        await using var worker = await WorkerHost.StartAsync(
            db.ConnectionString,
            coinGecko,
            ("Backfill:OnFirstStart", "true"));
        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        // Down: every history call fails. The run stops; no task is charged for it (the one that met the outage is put
        // off a few seconds, so that a coin CoinGecko keeps failing on cannot hold up the others).
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 1_000, Path: Chart, Status: 503));
        await worker.RunBackfillAsync();
        var paused = await BackfillProbe.TasksAsync(db);
        paused.Should().HaveCount(10).And.OnlyContain(t => t.DoneAt == null && t.Attempts == 0);
        (await BackfillProbe.FillsAsync(db)).Should().BeEmpty();

        // Back, talking nonsense twice: a cut-off body and prices that are not numbers.
        await coinGecko.ClearFaultsAsync();
        await worker.WaitForCircuitClosedAsync();
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Malformed, Path: Chart));
        await coinGecko.AddFaultAsync(
            new Fault(FaultKind.Body, Path: Chart, Body: """{"prices":[[1700000000000,"a lot"]]}"""));
        await worker.RunBackfillAsync();
        // The task the outage met is put off a few seconds: on a slow machine that may have passed by now, so it
        // waits uncharged or is done; the two that got nonsense wait their turn, charged an attempt each.
        var waiting = (await BackfillProbe.TasksAsync(db)).Where(t => t.DoneAt == null).ToList();
        waiting.Count(t => t.Attempts == 1).Should().Be(2, "the two answers that were nonsense wait their turn");
        waiting.Where(t => t.Attempts != 1).Should().OnlyContain(t => t.Attempts == 0,
            "the outage charged no attempt").And.HaveCountLessThanOrEqualTo(1);

        // Each is tried again once its time comes (as the recurring job would, every minute).
        var tasks = await Eventually.Until(async () =>
        {
            await worker.RunBackfillAsync();
            return await BackfillProbe.TasksAsync(db);
        }, t => t.All(x => x.DoneAt != null), TimeSpan.FromSeconds(90), "every task filled");
        tasks.Sum(t => t.Attempts).Should().Be(12,
            "the two answers that were nonsense cost an attempt each, the outage none");
        var fills = await BackfillProbe.FillsAsync(db);
        fills.Should().HaveCount(tasks.Sum(t => t.Points)).And.NotBeEmpty();
        fills.Select(f => (f.CoinId, f.At)).Should().OnlyHaveUniqueItems();
        foreach (var fill in fills)
            fill.Price.Should().BeApproximately(
                BackfillProbe.WalkAt(coinGecko, fill.CoinId, fill.At)!.Value,
                fill.Price * 1e-12);
    }
}
