using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Ingestion;

public sealed class CurrencySyncTests
{
    [Fact]
    public async Task A_currency_CoinGecko_adds_becomes_stored_and_priced_without_a_migration()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 50);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        await coinGecko.AddCurrencyAsync("newc");

        worker.Services.GetRequiredService<IRecurringJobManager>().Trigger(RecurringJobIds.SyncCurrencies);
        var currencies = new CurrencyStore(db.DataSource);
        var all = await Eventually.Until(() => currencies.ListAsync(), list => list.Any(c => c.Code == "newc"),
            CycleProbe.Deadline, "the new currency to be stored");

        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        var coin = coinGecko.Market.Coins.First(c => c.Kind == CoinGecko.Simulator.CoinKind.Live);
        var coinKey = await new CoinStore(db.DataSource).FindKeyAsync(coin.Id);
        var series = await new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)).SeriesAsync(
            coinKey!.Value, all.Single(c => c.Code == "newc"), DateTime.UnixEpoch, DateTime.UtcNow.AddDays(1));
        series.Should().ContainSingle().Which.Price.Should().BePositive();
    }
}
