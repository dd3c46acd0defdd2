using Btc.Data.History.Bars;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Dapper;
using Btc.Data.History;
using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series;

/// <summary>
/// Two complete days of samples before today, compacted and rolled up as the worker's jobs would: each test on a
/// database of its own, since the rollup's progress is one per database.
/// </summary>
public sealed class BarTests
{
    private static readonly DateTime Today = DateTime.UtcNow.Date;
    private static readonly DateTime First = Today.AddDays(-2);
    private static readonly string[] Codes = ["btc", "usd", "eur", "sats"];

    [Fact]
    public async Task Hour_and_day_bars_equal_the_raw_samples_they_summarize_stored_computed_and_both()
    {
        var (db, data) = await RolledUpAsync("bars", coins: 3);
        await using var _ = db;
        var bars = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        (await bars.TiersAsync()).BarsUntil.Should().Be(Today, "both days are rolled up");

        // Stored bars only; then a window the stored bars end in, the rest summarized from the samples.
        await ShouldEqualRawAsync(data, bars, BarInterval.Hour, First, Today);
        await ShouldEqualRawAsync(data, bars, BarInterval.Day, First, Today);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE price_history SET bars_until = bars_until - 1");
        await ShouldEqualRawAsync(data, bars, BarInterval.Hour, First.AddHours(13), Today);
        await ShouldEqualRawAsync(data, bars, BarInterval.Day, First, Today);
    }

    [Fact]
    public async Task The_rollup_run_twice_or_cancelled_at_any_point_and_run_again_leaves_the_same_bars()
    {
        var (db, data) = await RolledUpAsync("again", coins: 4);
        await using var _ = db;
        var rollup = new BarRollup(db.DataSource);
        var once = await BarsHashAsync(db);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE price_history SET bars_until = @first, next_coin_key = 0",
            new { first = DateOnly.FromDateTime(First) });
        (await rollup.RunAsync(TimeSpan.FromMinutes(5))).Should().Be((2, true));
        (await BarsHashAsync(db)).Should().Be(once);

        await connection.ExecuteAsync(
            "TRUNCATE price_bars_hour, price_bars_day; UPDATE price_history SET bars_until = @first, next_coin_key = 0",
            new { first = DateOnly.FromDateTime(First) });
        var cancelled = 0;
        for (var ms = 1; ; ms *= 2)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(ms));
            try
            {
                if ((await rollup.RunAsync(TimeSpan.FromMinutes(5), cts.Token)).CaughtUp)
                    break;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }
        cancelled.Should().BePositive();
        (await BarsHashAsync(db)).Should().Be(once);
    }

    [Fact]
    public async Task Minute_samples_and_hour_bars_are_dropped_only_after_their_bars_exist()
    {
        var (db, data) = await RolledUpAsync("retention", coins: 2, rollUp: false);
        await using var _ = db;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        const string Stored = "SELECT (SELECT count(*) FROM price_sample) + (SELECT count(*) FROM price_piece)";
        var samples = await connection.ExecuteScalarAsync<long>(Stored);

        // Retention asks for everything before tomorrow: nothing is rolled up yet, so nothing goes.
        var tomorrow = DateOnly.FromDateTime(Today).AddDays(1);
        (await new PricePartitions(db.DataSource).DropBeforeAsync(tomorrow)).Should().Be(0);
        (await connection.ExecuteScalarAsync<long>(Stored)).Should().Be(samples);

        // Rolled up to the first day only: that day goes, its bars stay.
        await new BarRollup(db.DataSource).RunAsync(TimeSpan.FromMinutes(5));
        await connection.ExecuteAsync(
            "UPDATE price_history SET bars_until = @day",
            new { day = DateOnly.FromDateTime(First).AddDays(1) });
        (await new PricePartitions(db.DataSource).DropBeforeAsync(tomorrow)).Should().Be(1);
        (await connection.ExecuteScalarAsync<DateTime>("SELECT min(start) FROM price_piece"))
            .Should().BeOnOrAfter(First.AddDays(1));
        (await new BarRetention(db.DataSource).DropHourBarsBeforeAsync(tomorrow)).Should().BePositive();
        (await connection.ExecuteScalarAsync<DateTime>("SELECT min(day)::timestamp FROM price_bars_hour"))
            .Should().Be(First.AddDays(1));
        var months = await connection.QueryAsync<byte[]>(
            "SELECT data FROM price_bars_day WHERE month = @month",
            new { month = new DateOnly(First.Year, First.Month, 1) });
        months.Sum(m => CurrenciesWithBarOn(HourBarsCodec.Decode(m), First.Day))
            .Should().Be(2 * 4, "day bars are kept for good: 2 coins × 4 currencies with prices");
        var bars = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        var tiers = await bars.TiersAsync();
        (tiers.MinutesFrom, tiers.HoursFrom).Should().Be((First.AddDays(1), First.AddDays(1)));
        tiers.FinestFrom(First.AddHours(5)).Should().Be(BarInterval.Day);
    }

    [Fact]
    public async Task A_late_sample_stored_into_a_rolled_up_day_is_in_its_bars_once_the_compactor_has_run()
    {
        var (db, data) = await RolledUpAsync("late-bar", coins: 2);
        await using var _ = db;
        var coin = data.Coins[0];
        var late = First.AddDays(1).AddHours(10).AddMinutes(30).AddSeconds(55);
        var prices = data.Currencies.Select(c => c.Code == "usd" ? 1e6 : (double?)null).ToArray();
        var cycleId = await new PollCycleStore(db.DataSource).CreateAsync("late-bar-cycle", DateTime.UtcNow, [[coin]]);
        await new PriceSampleStore(db.DataSource).StorePageAsync(
            cycleId, 0, data.Currencies, [new PriceSample(coin.CoinKey, late, prices)], new PageCounts(0));
        await data.KeepStoredAsync();

        (await new SeriesCompactor(db.DataSource).RunAsync(data.Currencies, TimeSpan.FromMinutes(5)))!
            .CoinHoursRebuilt.Should().Be(1);

        var bars = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        (await bars.BarsAsync(
            coin.CoinKey,
            data.Currency("usd"),
            BarInterval.Hour,
            late.AddMinutes(-30).AddSeconds(-55),
            late.AddMinutes(1)))
            .Should().ContainSingle().Which.High.Should().Be(1e6, "the late sample is the hour's highest");
        await ShouldEqualRawAsync(data, bars, BarInterval.Hour, First.AddDays(1), Today);
        await ShouldEqualRawAsync(data, bars, BarInterval.Day, First, Today);
    }

    [Fact]
    public async Task A_currency_added_after_the_seeded_ones_keeps_its_bars_once_its_minute_samples_are_dropped()
    {
        var (db, data) = await RolledUpAsync("extra", coins: 2, rollUp: false);
        await using var _ = db;
        var newc = (await new CurrencyStore(db.DataSource).AddMissingAsync(["newc"])).Should().ContainSingle().Subject;
        var currency = (await new CurrencyStore(db.DataSource).ListAsync()).Single(c => c.Code == newc);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO price_sample_extra (coin_key, last_updated_at, currency_key, price)
            SELECT coin_key, last_updated_at, @currencyKey, usd * 3 FROM stored_sample WHERE usd IS NOT NULL
            """, new { currencyKey = currency.CurrencyKey });
        var raw = await connection
            .QuerySingleAsync<(double Open, double High, double Low, double Close, double Mean, int Count)>("""
                SELECT (array_agg(price ORDER BY last_updated_at))[1], max(price), min(price),
                       (array_agg(price ORDER BY last_updated_at DESC))[1], avg(price), count(*)::int
                FROM price_sample_extra
                WHERE coin_key = @coin AND last_updated_at >= @first AND last_updated_at < @first + interval '1 day'
                """, new { coin = data.Coins[0].CoinKey, first = First });

        await new BarRollup(db.DataSource).RunAsync(TimeSpan.FromMinutes(5));
        await new PricePartitions(db.DataSource).DropBeforeAsync(DateOnly.FromDateTime(First).AddDays(1));

        (await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM price_sample_extra WHERE last_updated_at < @day",
            new { day = First.AddDays(1) }))
            .Should().Be(0, "the first day's minute samples are gone");
        var bars = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        var day = (await bars.BarsAsync(data.Coins[0].CoinKey, currency, BarInterval.Day, First, First.AddDays(1)))
            .Should().ContainSingle().Subject;
        (day.Open, day.High, day.Low, day.Close, day.Count)
            .Should().Be((raw.Open, raw.High, raw.Low, raw.Close, raw.Count));
        day.Mean.Should().BeApproximately(raw.Mean, raw.Mean * 1e-12);
    }

    [Fact]
    public async Task Bars_are_UTC_hours_and_days_whatever_the_server_s_time_zone_across_a_clock_change()
    {
        // Berlin's clocks went back an hour on 2026-10-25: a day there was 25 hours long.
        var db = await DatabaseFixture.CreateAsync();
        await using var _ = db;
        await using (var connection = await db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync($"ALTER DATABASE \"{connection.Database}\" SET timezone = 'Europe/Berlin'");
        // Sessions opened from now on start in Berlin's time zone, unless the connection string says otherwise.
        db.DataSource.Clear();
        var data = new SeriesData(db);
        var first = new DateTime(2026, 10, 24, 0, 0, 0, DateTimeKind.Utc);
        await data.WriteAsync("berlin", coins: 2, minutes: 3 * 1440, lastMinute: first.AddDays(3).AddMinutes(-1));
        await data.StartHistoryAtAsync(first);
        await new SeriesCompactor(db.DataSource).RunAsync(data.Currencies, TimeSpan.FromMinutes(5));
        await new BarRollup(db.DataSource).RunAsync(TimeSpan.FromMinutes(5));

        var bars = new BarReader(db.DataSource, new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)));
        (await bars.TiersAsync()).BarsUntil.Should().BeAfter(first.AddDays(3), "the three days are rolled up");
        await ShouldEqualRawAsync(data, bars, BarInterval.Hour, first, first.AddDays(3));
        await ShouldEqualRawAsync(data, bars, BarInterval.Day, first, first.AddDays(3));
    }

    /// <summary>Two complete days of samples up to today, compacted, and rolled up unless asked not to.</summary>
    private static async Task<(DatabaseFixture Db, SeriesData Data)> RolledUpAsync(
        string prefix,
        int coins,
        bool rollUp = true)
    {
        var db = await DatabaseFixture.CreateAsync();
        var data = new SeriesData(db);
        await data.WriteAsync(prefix, coins, minutes: 2 * 1440, lastMinute: Today.AddMinutes(-1));
        await data.StartHistoryAtAsync(First);
        // Up to today's midnight, not the clock's quarter less two minutes: at 00:01 UTC that stops at 23:45.
        await new SeriesCompactor(db.DataSource).RunUntilAsync(data.Currencies, Today);
        if (rollUp)
            (await new BarRollup(db.DataSource).RunAsync(TimeSpan.FromMinutes(5))).Should().Be((2, true));
        return (db, data);
    }

    private static async Task<string> BarsHashAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("""
            SELECT (SELECT count(*) || md5(string_agg(b::text, ',' ORDER BY coin_key, day)) FROM price_bars_hour b)
                || '/' || (SELECT count(*) || md5(string_agg(b::text, ',' ORDER BY coin_key, month))
                           FROM price_bars_day b)
            """) ?? "";
    }

    /// <summary>The currencies with a day bar on <paramref name="dayOfMonth"/> in a decoded month row.</summary>
    private static int CurrenciesWithBarOn(HourBarsData month, int dayOfMonth)
    {
        var i = Array.IndexOf(month.Open.Seconds.Select(s => s / 86400 + 1).ToArray(), dayOfMonth);
        return i < 0 ? 0 : month.Counts.Count(c => c[i] > 0);
    }

    /// <summary>
    /// Open, high, low, close and count equal to the bit what the stored samples say; the mean to the bit what the
    /// rollup computes (hour sums in time order; a stored day the sum of its hours' sums) or, after the stored bars,
    /// what is summarized from the samples; and within rounding of the database's avg.
    /// </summary>
    private static async Task ShouldEqualRawAsync(
        SeriesData data,
        BarReader bars,
        BarInterval interval,
        DateTime from,
        DateTime to)
    {
        var barsUntil = (await bars.TiersAsync()).BarsUntil;
        foreach (var coin in data.Coins)
        foreach (var code in Codes)
        {
            var currency = data.Currency(code);
            var raw = await data.RawBarsAsync(coin.CoinKey, currency, interval, from, to);
            raw.Should().NotBeEmpty();
            var actual = await bars.BarsAsync(coin.CoinKey, currency, interval, from, to);
            var what = $"{interval} bars of {code} for coin {coin.CoinKey} from {from:MM-dd HH:mm} "
                + "are what the raw samples say";
            actual.Select(Bits).Should().Equal(raw.Select(Bits), what);
            var samples = await data.RawAsync(coin.CoinKey, currency, from, to);
            actual.Select(b => BitConverter.DoubleToInt64Bits(b.Mean))
                .Should().Equal(Means(samples, interval, barsUntil).Select(BitConverter.DoubleToInt64Bits), what);
            actual.Zip(raw).Should().AllSatisfy(p =>
                p.First.Mean.Should().BeApproximately(p.Second.Mean, Math.Abs(p.Second.Mean) * 1e-12));
        }
    }

    private static (long, long, long, long, long, int) Bits(PriceBar bar) =>
        (bar.UnixSeconds, BitConverter.DoubleToInt64Bits(bar.Open), BitConverter.DoubleToInt64Bits(bar.High),
            BitConverter.DoubleToInt64Bits(bar.Low), BitConverter.DoubleToInt64Bits(bar.Close), bar.Count);

    /// <summary>Each bar's mean as the rollup (a stored day) or <see cref="BarMaths"/> (after) computes it.</summary>
    private static IEnumerable<double> Means(
        IReadOnlyList<PricePoint> samples, BarInterval interval, DateTime barsUntil)
    {
        var period = interval == BarInterval.Hour ? 3600 : 86400;
        var barsUntilUnix = (long)(barsUntil - DateTime.UnixEpoch).TotalSeconds;
        foreach (var bar in samples.GroupBy(p => p.UnixSeconds - p.UnixSeconds % period))
        {
            var hours = interval == BarInterval.Day && bar.Key < barsUntilUnix
                ? bar.GroupBy(p => p.UnixSeconds / 3600).Select(h => h.Aggregate(0.0, (sum, p) => sum + p.Price))
                : [bar.Aggregate(0.0, (sum, p) => sum + p.Price)];
            yield return hours.Aggregate(0.0, (sum, h) => sum + h) / bar.Count();
        }
    }
}
