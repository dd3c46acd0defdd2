using Btc.Data.History.Bars;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Series;

/// <summary>
/// The worker runs compaction and the rollup as recurring jobs: triggered as the schedule would, they do their work.
/// </summary>
public sealed class HistoryJobsTests
{
    [Fact]
    public async Task The_worker_compacts_the_samples_and_rolls_complete_days_up_into_bars()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var data = new SeriesData(db);
        var today = DateTime.UtcNow.Date;
        await data.WriteAsync("jobs", coins: 3, minutes: 1440, lastMinute: today.AddMinutes(-1));
        await data.StartHistoryAtAsync(today.AddDays(-1));
        await using var coinGecko = await Simulator.StartAsync(coins: 10);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        var jobs = worker.Services.GetRequiredService<IRecurringJobManager>();

        jobs.Trigger(RecurringJobIds.SeriesCompaction);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await Eventually.Until(
            () => connection.ExecuteScalarAsync<DateTime>("SELECT pieces_until FROM price_series_compaction"),
            until => until >= today, CycleProbe.Deadline, "the compaction job to compact yesterday");
        jobs.Trigger(RecurringJobIds.BarRollup);
        var bars = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        await Eventually.Until(() => bars.TiersAsync(), tiers => tiers.BarsUntil == today, CycleProbe.Deadline,
            "the rollup job to roll yesterday up");

        var usd = data.Currency("usd");
        var day = (await bars.BarsAsync(data.Coins[0].CoinKey, usd, BarInterval.Day, today.AddDays(-1), today))
            .Should().ContainSingle().Subject;
        var raw = await data.RawBarsAsync(data.Coins[0].CoinKey, usd, BarInterval.Day, today.AddDays(-1), today);
        day.Count.Should().Be(raw.Single().Count);
    }
}
