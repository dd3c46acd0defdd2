using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Dapper;

namespace Btc.Tests.Backfill;

// Not in the "Faults" category although it stops the worker: that half of the suite is the longer one (see .ci/run).
public sealed class GapFillTests
{
    // Cycles every 5 s, and the simulator's history minutely within a day (CoinGecko's is 5-minutely), so that an
    // outage of a minute and a bit is a gap with points in it.
    private static readonly (string, string)[] Settings =
        [("Polling:Cron", "*/5 * * * * *"), ("Backfill:MinimumGapMinutes", "1"), ("Backfill:OnFirstStart", "false")];

    [Fact]
    public async Task A_stopped_worker_s_gap_is_filled_once_across_two_replicas_and_a_restart_with_the_walk_s_prices()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(12, "ChartMinutes=1");
        await coinGecko.RunClockAsync();

        var stoppedAt = await PollThenStopForAMinuteAsync(db, coinGecko);
        await FillOnTwoReplicasThenOnARestartedOneAsync(db, coinGecko, stoppedAt);

        // (A cycle over a minute late on a busy machine would be a gap of its own: filled the same way.)
        var gaps = await BackfillProbe.GapsAsync(db);
        var gap = gaps.Should()
            .ContainSingle(g => g.FromAt < stoppedAt && g.UntilAt > stoppedAt.AddSeconds(70)).Subject;
        gaps.Should().OnlyContain(g => g.Kind == "outage");

        var tasks = await BackfillProbe.TasksAsync(db);
        tasks.Where(t => t.GapId == gap.GapId).Should().HaveCount(12, "one task per tracked coin in usd");
        tasks.Should().OnlyContain(t => t.DoneAt != null && t.Calls == 1 && t.Attempts == 1,
            "each fetched once, by one replica");
        var chartCalls = (await coinGecko.CallsAsync())
            .Where(c => c.Path.EndsWith("/market_chart/range", StringComparison.Ordinal)).ToArray();
        chartCalls.Should().HaveCount(tasks.Count, "each coin's span is fetched once");

        var fills = await BackfillProbe.FillsAsync(db);
        fills.Should().NotBeEmpty().And.OnlyContain(f => gaps.Any(g => f.At > g.FromAt && f.At < g.UntilAt));
        fills.Should().Contain(f => f.At > gap.FromAt && f.At < gap.UntilAt);
        tasks.Sum(t => t.Points).Should().Be(fills.Count);
        foreach (var fill in fills)
            fill.Price.Should().BeApproximately(
                BackfillProbe.WalkAt(coinGecko, fill.CoinId, fill.At)!.Value,
                fill.Price * 1e-12,
                $"{fill.CoinId} at {fill.At:O}");

        await SeriesShouldServeTheFillsBySourceAsync(db, gap, fills);
    }

    /// <summary>A replica polls two cycles and stops; returns when it stopped, a minute and more ago.</summary>
    private static async Task<DateTime> PollThenStopForAMinuteAsync(DatabaseFixture db, Simulator coinGecko)
    {
        var before = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, Settings);
        await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        await before.DisposeAsync();
        var stoppedAt = DateTime.UtcNow;
        // The outage itself: no replica runs for longer than the shortest gap worth filling (a minute beyond the 5 s
        // the schedule means to wait), so the gap holds every coin's update of at least one minute.
        await Task.Delay(TimeSpan.FromSeconds(70));
        return stoppedAt;
    }

    private static async Task FillOnTwoReplicasThenOnARestartedOneAsync(
        DatabaseFixture db,
        Simulator coinGecko,
        DateTime stoppedAt)
    {
        var a = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, Settings);
        var b = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, Settings);
        try
        {
            await Eventually.Until(() => PolledSinceAsync(db, stoppedAt), n => n >= 1, CycleProbe.Deadline,
                "a cycle after the outage");
            // Both replicas fill at once, as two runs of the recurring job on two replicas would (and the scheduled
            // runs may join them).
            await Task.WhenAll(a.RunBackfillAsync(), b.RunBackfillAsync());
            await b.DisposeAsync();
            b = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, Settings);
            var callsBeforeRestartRun = BackfillProbe.ChartCalls(await coinGecko.CallsAsync());
            await b.RunBackfillAsync();
            BackfillProbe.ChartCalls(await coinGecko.CallsAsync()).Should().Be(callsBeforeRestartRun,
                "the restarted replica finds nothing left to fetch");
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    /// <summary>
    /// The series holds the fills by default; source=polled leaves them out, source=filled is only them.
    /// </summary>
    private static async Task SeriesShouldServeTheFillsBySourceAsync(
        DatabaseFixture db,
        BackfillProbe.Gap gap,
        IReadOnlyList<BackfillProbe.Fill> fills)
    {
        var coin = fills.First(f => f.At > gap.FromAt && f.At < gap.UntilAt).CoinId;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var coinKey = await connection.ExecuteScalarAsync<int>(
            "SELECT coin_key FROM coin WHERE id = @coin",
            new { coin });
        var usd = (await new CurrencyStore(db.DataSource).ListAsync()).Single(c => c.Code == "usd");
        var reader = new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource));
        var (from, to) = (gap.FromAt.AddMinutes(-5), DateTime.UtcNow);
        var all = await reader.SeriesAsync(coinKey, usd, from, to);
        var polled = await reader.SeriesAsync(coinKey, usd, from, to, source: SeriesSource.Polled);
        var filled = await reader.SeriesAsync(coinKey, usd, from, to, source: SeriesSource.Filled);
        filled.Should().OnlyContain(p => p.Filled)
            .And.HaveCount(fills.Count(f => f.CoinId == coin && f.At >= from && f.At < to));
        polled.Should().OnlyContain(p => !p.Filled).And.NotBeEmpty();
        all.Should().Equal(polled.Concat(filled).OrderBy(p => p.UnixSeconds));
    }

    private static async Task<int> PolledSinceAsync(DatabaseFixture db, DateTime since)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("""
            SELECT count(*)::int FROM poll_cycle c
            WHERE scheduled_for > @since
              AND EXISTS (SELECT 1 FROM poll_cycle_page p WHERE p.cycle_id = c.cycle_id AND p.finished_at IS NOT NULL)
            """, new { since });
    }
}
