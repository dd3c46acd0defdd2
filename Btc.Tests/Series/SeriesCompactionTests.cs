using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Codec;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Series;

/// <summary>Each test on a database of its own: compaction's watermark is one per database.</summary>
public sealed class SeriesCompactionTests
{
    private static readonly TimeSpan Unbounded = TimeSpan.FromMinutes(5);
    private static readonly string[] Codes = ["btc", "usd", "eur", "sats"];

    [Fact]
    public async Task A_series_read_from_pieces_from_raw_samples_and_from_both_equals_the_raw_samples()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var data = new SeriesData(db);
        await data.WriteAsync("pieces", coins: 3, minutes: 200);
        var reader = new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource));
        var now = DateTime.UtcNow;

        // Before any compaction everything is raw.
        await ShouldEqualRawAsync(data, reader, [(now.AddHours(-24), now.AddMinutes(1))]);

        var result = await new SeriesCompactor(db.DataSource).RunAsync(data.Currencies, Unbounded);

        result!.CaughtUp.Should().BeTrue();
        result.PiecesUntil.Should().BeAfter(now.AddMinutes(-18),
            "every quarter that ended two minutes ago is compacted")
            .And.BeOnOrBefore(now);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            var pieces = await connection.QueryAsync<(int Coin, DateTime Start)>(
                "SELECT coin_key, start FROM price_piece");
            pieces.Should().Contain(p => p.Start.Minute == 0 && p.Start < now.AddHours(-1),
                "complete hours are pieces");
            (await connection.ExecuteScalarAsync<int>(
                    "SELECT count(*) FROM price_sample WHERE last_updated_at < @until",
                    new { until = result.PiecesUntil }))
                .Should().Be(0, "one copy: the samples packed are no longer raw rows");
            (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_sample"))
                .Should().BePositive("the minutes not packed yet are raw");
        }
        var until = result.PiecesUntil;
        await ShouldEqualRawAsync(data, reader,
        [
            (now.AddHours(-24), now.AddMinutes(1)),          // pieces, then raw samples
            (now.AddMinutes(-150).AddSeconds(17), now.AddMinutes(-61).AddSeconds(-3)),  // inside pieces, hours cut
            (until.AddMinutes(-20), until.AddMinutes(4)),    // across the watermark
            (until, now.AddMinutes(1)),                      // raw samples only
            (now.AddHours(-30), now.AddHours(-4)),           // before the first sample
        ]);
    }

    [Fact]
    public async Task A_sample_stored_late_into_a_compacted_hour_is_served_at_once_and_kept_when_the_hour_is_rebuilt()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var data = new SeriesData(db);
        await data.WriteAsync("late", coins: 2, minutes: 180);
        var compactor = new SeriesCompactor(db.DataSource);
        await compactor.RunAsync(data.Currencies, Unbounded);
        var coin = data.Coins[1];
        var late = DateTime.UtcNow.AddMinutes(-100);
        late = new DateTime(late.Ticks - late.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc).AddSeconds(55);
        var prices = data.Currencies.Select(c => c.Code == "usd" ? 12345.5 : (double?)null).ToArray();

        var cycleId = await new Data.Polling.PollCycleStore(db.DataSource)
            .CreateAsync("late-cycle", DateTime.UtcNow, [[coin]]);
        (await new PriceSampleStore(db.DataSource).StorePageAsync(
                cycleId, 0, data.Currencies, [new PriceSample(coin.CoinKey, late, prices)], new PageCounts(0)))
            .RowsStored.Should().Be(1);
        await data.KeepStoredAsync();

        var reader = new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource));
        var window = (DateTime.UtcNow.AddHours(-24), DateTime.UtcNow.AddMinutes(1));
        (await reader.SeriesAsync(coin.CoinKey, data.Currency("usd"), window.Item1, window.Item2))
            .Should().Contain(new PricePoint(new DateTimeOffset(late).ToUnixTimeSeconds(), 12345.5));
        await ShouldEqualRawAsync(data, reader, [window]);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_series_stale")).Should().Be(1);

        var rebuilt = await compactor.RunAsync(data.Currencies, Unbounded);

        rebuilt!.CoinHoursRebuilt.Should().Be(1);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_series_stale")).Should().Be(0);
        (await connection.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM price_sample WHERE coin_key = @coin AND last_updated_at = @late",
                new { coin = coin.CoinKey, late }))
            .Should().Be(0, "the late sample is folded into its piece");
        var piece = await connection.QuerySingleAsync<(DateTime Start, byte[] Data)>(
            "SELECT start, data FROM price_piece WHERE coin_key = @coin AND start <= @late "
                + "AND start > @late - interval '1 hour'", new { coin = coin.CoinKey, late });
        SeriesPieceCodec.DecodeSeconds(piece.Data).Should().Contain((int)(late - piece.Start).TotalSeconds);
        await ShouldEqualRawAsync(data, reader, [window]);
    }

    [Fact]
    public async Task Compaction_run_twice_or_cancelled_at_any_point_and_run_again_leaves_the_same_pieces()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var data = new SeriesData(db);
        // Ending in an hour complete before the test began: a quarter the clock passes meanwhile changes nothing.
        var now = DateTime.UtcNow;
        var lastMinute = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc).AddMinutes(-61);
        await data.WriteAsync("again", coins: 20, minutes: 150, lastMinute);
        var compactor = new SeriesCompactor(db.DataSource);
        await compactor.RunAsync(data.Currencies, Unbounded);
        var once = await data.PiecesHashAsync();

        // Again from the start: the same rates inferred, the same pieces. (A compactor of its own each time: one
        // keeps the rates it has read, which never change outside tests.)
        await data.UnpackAsync();
        compactor = new SeriesCompactor(db.DataSource);
        await compactor.RunAsync(data.Currencies, Unbounded);
        (await data.PiecesHashAsync()).Should().Be(once);

        // From nothing, cancelled at growing delays: each run stops inside a step, or between steps.
        await data.UnpackAsync();
        compactor = new SeriesCompactor(db.DataSource);
        var cancelled = 0;
        for (var ms = 1; ; ms *= 2)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(ms));
            try
            {
                if ((await compactor.RunAsync(data.Currencies, Unbounded, cts.Token))!.CaughtUp)
                    break;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }

        cancelled.Should().BePositive();
        (await data.PiecesHashAsync()).Should().Be(once);
        // One step per run, as runs that stop at their time budget.
        await data.UnpackAsync();
        compactor = new SeriesCompactor(db.DataSource);
        while (!(await compactor.RunAsync(data.Currencies, TimeSpan.Zero))!.CaughtUp)
        {
        }
        (await data.PiecesHashAsync()).Should().Be(once);
        await ShouldEqualRawAsync(
            data,
            new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource)),
            [(DateTime.UtcNow.AddHours(-24), DateTime.UtcNow.AddMinutes(1))]);
    }

    [Fact]
    public async Task The_compactor_waits_for_a_page_still_storing_and_compacts_what_it_stored()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var data = new SeriesData(db);
        await data.WriteAsync("waits", coins: 1, minutes: 120);
        var coin = data.Coins[0].CoinKey;
        var at = DateTime.UtcNow.AddMinutes(-40);
        at = new DateTime(at.Ticks - at.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc).AddSeconds(57);

        // A page that read the clock before the compactor does: it holds the writers' lock and marks nothing.
        await using var page = await db.DataSource.OpenConnectionAsync();
        await using var pageTx = await page.BeginTransactionAsync();
        await page.ExecuteAsync(
            "SELECT pg_advisory_xact_lock_shared(hashtext('price_series_writers'))",
            transaction: pageTx);
        await page.ExecuteAsync(
            "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd) VALUES (@coin, @cycle, @at, 777)",
            new { coin, cycle = data.CycleId, at }, pageTx);
        var run = new SeriesCompactor(db.DataSource).RunAsync(data.Currencies, Unbounded);
        await using (var watcher = await db.DataSource.OpenConnectionAsync())
            await Eventually.Until(
                () => watcher.ExecuteScalarAsync<int>(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory' AND query LIKE "
                        + "'%pg_advisory_xact_lock(%'"),
                waiting => waiting == 1, TimeSpan.FromSeconds(30), "the compactor to wait for the page");
        run.IsCompleted.Should().BeFalse();
        await pageTx.CommitAsync();

        (await run)!.PiecesUntil.Should().BeAfter(at);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_series_stale")).Should().Be(0);
        var usd = data.Currency("usd");
        var reader = new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource));
        (await reader.SeriesAsync(coin, usd, at.AddMinutes(-1), at.AddMinutes(1)))
            .Should().Contain(new PricePoint(new DateTimeOffset(at).ToUnixTimeSeconds(), 777));
    }

    [Fact]
    public async Task A_page_transaction_held_open_makes_the_compactor_skip_its_run_instead_of_stalling_pages()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var currencies = await new CurrencyStore(db.DataSource).ListAsync();
        await using var page = await db.DataSource.OpenConnectionAsync();
        await using var pageTx = await page.BeginTransactionAsync();
        await page.ExecuteAsync(
            "SELECT pg_advisory_xact_lock_shared(hashtext('price_series_writers'))",
            transaction: pageTx);

        (await new SeriesCompactor(db.DataSource).RunAsync(currencies, Unbounded)).Should().BeNull();
    }

    /// <summary>A point as its time and the bits of its price: equal to the bit, negative zero apart.</summary>
    private static (long, long, bool) Bits(PricePoint p) =>
        (p.UnixSeconds, BitConverter.DoubleToInt64Bits(p.Price), p.Filled);

    private static async Task ShouldEqualRawAsync(
        SeriesData data,
        SeriesReader reader,
        IReadOnlyList<(DateTime From, DateTime To)> windows)
    {
        foreach (var coin in data.Coins)
        foreach (var code in Codes)
        foreach (var (from, to) in windows)
        {
            var currency = data.Currency(code);
            var raw = await data.RawAsync(coin.CoinKey, currency, from, to);
            (await reader.SeriesAsync(coin.CoinKey, currency, from, to)).Select(Bits).Should().Equal(raw.Select(Bits),
                $"{code} of coin {coin.CoinKey} over [{from:HH:mm:ss}, {to:HH:mm:ss}) is what the raw samples say");
        }
    }
}
