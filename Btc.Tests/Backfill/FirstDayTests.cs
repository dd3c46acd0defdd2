using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.Volatility;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using CoinGecko.Simulator;
using Dapper;

namespace Btc.Tests.Backfill;

public sealed class FirstDayTests
{
    [Fact]
    public async Task A_new_install_has_a_day_of_series_at_5_minute_spacing_and_ranks_before_its_tenth_cycle()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(10);
        var logs = new LogCapture();
        await using var worker = await WorkerHost.StartAsync(
            db.ConnectionString,
            coinGecko,
            logs,
            ("Backfill:OnFirstStart", "true"));
        var first = await RunFirstFourCyclesAsync(db, coinGecko, worker);

        var coin = coinGecko.Market.Coins.First(c => c.Kind == CoinKind.Live);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var coinKey = await connection.ExecuteScalarAsync<int>(
            "SELECT coin_key FROM coin WHERE id = @id",
            new { id = coin.Id });
        var usd = (await new CurrencyStore(db.DataSource).ListAsync()).Single(c => c.Code == "usd");
        var series = await new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource))
            .SeriesAsync(coinKey, usd, first.ScheduledFor.AddDays(-1), DateTime.UtcNow.AddMinutes(10));

        SeriesShouldHoldTheFilledDayBefore(series, first, coinGecko, coin.Id);
        await RankShouldMeasureThePolledSamplesAsync(db, coinKey, usd, series);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM poll_cycle")).Should().BeLessThan(10);

        logs.Messages.Should().Contain(m => m.StartsWith("Backfill: done", StringComparison.Ordinal)
            || m.StartsWith("Backfill: 100%", StringComparison.Ordinal));
        logs.Messages.Should().Contain(m => m.Contains("coins every", StringComparison.Ordinal)
            && m.Contains("a month", StringComparison.Ordinal), "the start-up line");
    }

    /// <summary>The first cycle, the backfill after it, and three cycles a minute apart; returns the first.</summary>
    private static async Task<PollCycle> RunFirstFourCyclesAsync(
        DatabaseFixture db,
        Simulator coinGecko,
        WorkerHost worker)
    {
        // The market's clock a few minutes behind, moved a minute per
        // cycle: samples a minute apart, all in the ranks' window.
        await coinGecko.AdvanceAsync(-4);

        worker.TriggerCycle();
        var first = await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        // What the recurring job does within a minute of the first cycle.
        await worker.RunBackfillAsync();
        for (var cycle = 2; cycle <= 4; cycle++)
        {
            await coinGecko.AdvanceAsync(1);
            worker.TriggerCycle();
            await CycleProbe.WaitForFinishedCycleAsync(db, cycle);
        }
        return first;
    }

    private static void SeriesShouldHoldTheFilledDayBefore(
        IReadOnlyList<PricePoint> series,
        PollCycle first,
        Simulator coinGecko,
        string coinId)
    {
        var filled = series.Where(p => p.Filled).ToArray();
        filled.Zip(filled.Skip(1), (a, b) => b.UnixSeconds - a.UnixSeconds).Should().OnlyContain(step => step == 300,
            "5-minute points within the last day");
        var firstCycle = new DateTimeOffset(first.ScheduledFor).ToUnixTimeSeconds();
        filled[0].UnixSeconds.Should().BeLessThan(firstCycle - 86_400 + 600,
            "the day before the first cycle is filled from its start");
        filled[^1].UnixSeconds.Should().BeGreaterThan(firstCycle - 600).And.BeLessThan(firstCycle);
        series.Where(p => !p.Filled).Should().HaveCountGreaterThanOrEqualTo(3, "the cycles' samples follow");
        foreach (var point in filled)
            point.Price.Should().BeApproximately(
                BackfillProbe.WalkAt(coinGecko, coinId, DateTime.UnixEpoch.AddSeconds(point.UnixSeconds))!.Value,
                point.Price * 1e-12);
    }

    private static async Task RankShouldMeasureThePolledSamplesAsync(
        DatabaseFixture db,
        int coinKey,
        Currency usd,
        IReadOnlyList<PricePoint> series)
    {
        var volatility = new VolatilityStore(db.DataSource);
        var rank = await Eventually.Until(
            () => volatility.FindAsync(coinKey, usd.CurrencyKey, VolatilityMeasure.LogReturnStddev),
            r => r is not null, CycleProbe.Deadline, "the coin's rank");
        rank!.OutOf.Should().BePositive();
        // The measure of the polled samples alone: a day of 5-minute
        // returns beside them would multiply it (decision 0004).
        var polled = series.Where(p => !p.Filled).Select(p => Math.Log(p.Price)).ToArray();
        var returns = polled.Zip(polled.Skip(1), (x, y) => y - x).ToArray();
        var mean = returns.Average();
        var stddev = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Length - 1));
        rank.Volatility.Should().BeApproximately(stddev, stddev * 1e-9);
    }
}
