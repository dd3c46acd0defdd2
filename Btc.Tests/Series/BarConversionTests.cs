using Btc.Data.Currencies;
using Btc.Data.History.Bars;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Series;

/// <summary>
/// The upgrade to compressed bars: rows of the old layout (a row per coin, currency and day or month, as the rollup
/// wrote them before) are served as they are, then converted in the background with every bar equal to the bit.
/// </summary>
public sealed class BarConversionTests
{
    [Fact]
    public async Task Old_bar_rows_are_read_then_converted_to_the_bit_and_deleted()
    {
        var today = DateTime.UtcNow.Date;
        var first = today.AddDays(-2);
        var db = await DatabaseFixture.CreateAsync();
        await using var _ = db;
        var data = new SeriesData(db);
        await data.WriteAsync("convert", coins: 2, minutes: 2 * 1440, lastMinute: today.AddMinutes(-1));
        await data.StartHistoryAtAsync(first);
        // Up to today's midnight, not the clock's quarter less two minutes: at 00:01 UTC that stops at 23:45.
        await new SeriesCompactor(db.DataSource).RunUntilAsync(data.Currencies, today);
        await new BarRollup(db.DataSource).RunAsync(TimeSpan.FromMinutes(5));
        var reader = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        var before = await AllBarsAsync(reader, data, first, today);
        before.Should().HaveCount(2 * 4 * 2, "2 coins × 4 currencies with prices, hour and day bars");

        await using var connection = await db.DataSource.OpenConnectionAsync();
        await WriteOldRowsAsync(connection, before);
        await connection.ExecuteAsync("TRUNCATE price_bars_hour, price_bars_day");
        (await AllBarsAsync(reader, data, first, today)).Should().BeEquivalentTo(before, "old rows are read as such");

        var (coinDays, coinMonths, done) =
            await new BarConversion(db.DataSource).RunAsync(TimeSpan.FromMinutes(5));
        (coinDays, done).Should().Be((2 * 2, true));
        coinMonths.Should().Be(2 * (first.Month == today.AddDays(-1).Month ? 1 : 2));
        (await connection.ExecuteScalarAsync<long>(
            "SELECT (SELECT count(*) FROM price_bar_hour) + (SELECT count(*) FROM price_bar_day)"))
            .Should().Be(0, "the old rows are gone");
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM price_bars_hour")).Should().Be(2 * 2);
        var after = await AllBarsAsync(reader, data, first, today);
        after.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (key, bars) in before)
            after[key].Select(Bits).Should().Equal(bars.Select(Bits), $"{key} to the bit");
    }

    /// <summary>Every seeded currency's hour and day bars with any, per (coin, currency, interval).</summary>
    private static async Task<Dictionary<(int Coin, short Currency, BarInterval Interval), PriceBar[]>> AllBarsAsync(
        BarReader reader, SeriesData data, DateTime from, DateTime to)
    {
        var all = new Dictionary<(int, short, BarInterval), PriceBar[]>();
        foreach (var coin in data.Coins)
        foreach (var currency in data.Currencies.Where(c => c.ColumnName is not null))
        foreach (var interval in new[] { BarInterval.Hour, BarInterval.Day })
        {
            var bars = await reader.BarsAsync(coin.CoinKey, currency, interval, from, to);
            if (bars.Count > 0)
                all[(coin.CoinKey, currency.CurrencyKey, interval)] = bars.ToArray();
        }
        return all;
    }

    /// <summary>The bars as the rollup wrote them before: arrays per (coin, currency, day) and (…, month).</summary>
    private static async Task WriteOldRowsAsync(Npgsql.NpgsqlConnection connection,
        Dictionary<(int Coin, short Currency, BarInterval Interval), PriceBar[]> all)
    {
        foreach (var ((coin, currency, interval), bars) in all)
        {
            var hours = interval == BarInterval.Hour;
            foreach (var row in bars.GroupBy(b => Start(b, hours)))
            {
                var at = row.Select(b => DateTime.UnixEpoch.AddSeconds(b.UnixSeconds)).ToArray();
                await connection.ExecuteAsync(hours
                    ? """
                      INSERT INTO price_bar_hour (coin_key, currency_key, day, h, open, high, low, close, mean, count)
                      VALUES (@coin, @currency, @start, @slots, @open, @high, @low, @close, @mean, @count)
                      """
                    : """
                      INSERT INTO price_bar_day (coin_key, currency_key, month, d, open, high, low, close, mean, count)
                      VALUES (@coin, @currency, @start, @slots, @open, @high, @low, @close, @mean, @count)
                      """,
                    new
                    {
                        coin, currency, start = row.Key,
                        slots = at.Select(a => (short)(hours ? a.Hour : a.Day)).ToArray(),
                        open = row.Select(b => b.Open).ToArray(), high = row.Select(b => b.High).ToArray(),
                        low = row.Select(b => b.Low).ToArray(), close = row.Select(b => b.Close).ToArray(),
                        mean = row.Select(b => b.Mean).ToArray(), count = row.Select(b => b.Count).ToArray(),
                    });
            }
        }
    }

    private static DateOnly Start(PriceBar bar, bool hours)
    {
        var day = DateOnly.FromDateTime(DateTime.UnixEpoch.AddSeconds(bar.UnixSeconds));
        return hours ? day : new DateOnly(day.Year, day.Month, 1);
    }

    private static (long, long, long, long, long, long, int) Bits(PriceBar bar) =>
        (bar.UnixSeconds, BitConverter.DoubleToInt64Bits(bar.Open), BitConverter.DoubleToInt64Bits(bar.High),
            BitConverter.DoubleToInt64Bits(bar.Low), BitConverter.DoubleToInt64Bits(bar.Close),
            BitConverter.DoubleToInt64Bits(bar.Mean), bar.Count);
}
