using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.History;
using Btc.Data.History.Bars;
using Btc.Data.History.Series;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.Volatility;
using Dapper;
using Npgsql;

namespace Btc.Tests.Page;

/// <summary>
/// What the page is tested on, written through Btc.Data and as the worker's jobs leave it: three coins with 26 hours
/// of minute samples in usd and eur (each coin swinging by its own amount; bitcoin missing 20 minutes three hours ago,
/// three of them filled from history), a sample a day for 90 days before, packed and rolled up into hour and day bars,
/// and ranked by volatility up to the current minute.
/// </summary>
public static class PageData
{
    public const int GapStartsMinutesAgo = 200;
    public const int GapMinutes = 20;

    public static readonly string[] Ids = ["bitcoin", "ethereum", "wrapped-bitcoin"];

    public static async Task WriteAsync(NpgsqlDataSource db)
    {
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var first = minute.Date.AddDays(-91);
        var store = new CoinStore(db);
        await store.UpsertListAsync([
            new CoinListEntry("bitcoin", "btc", "Bitcoin"), new CoinListEntry("ethereum", "eth", "Ethereum"),
            new CoinListEntry("wrapped-bitcoin", "wbtc", "Wrapped Bitcoin")]);
        var tracked = await store.SetTrackedAsync(Ids);
        var cycleId = await new PollCycleStore(db).CreateAsync("page-samples", minute.AddHours(-26), [tracked]);
        await new PricePartitions(db).EnsureAsync(DateOnly.FromDateTime(first), DateOnly.FromDateTime(now).AddDays(1));
        await using (var connection = await db.OpenConnectionAsync())
        {
            // Every sample before the current minute, so that none enters the window while a test compares.
            await connection.ExecuteAsync("""
                INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd, eur)
                SELECT c.coin_key, @cycleId, t, p, p * 0.9
                FROM coin c
                CROSS JOIN LATERAL (
                    SELECT @minute - (m + 1) * interval '1 minute' + (c.coin_key % 50) * interval '1 second' AS t,
                           (1000.0 / c.coin_key) * (1 + 0.01 * c.coin_key * sin(m / 30.0)) AS p
                    FROM generate_series(0, 26 * 60 - 1) m
                    WHERE NOT (c.id = 'bitcoin' AND m BETWEEN @gapEnd AND @gapStart)
                    UNION ALL
                    SELECT @first + d * interval '1 day' + interval '12 hours',
                           (1000.0 / c.coin_key) * (1 + 0.3 * sin(d / 20.0))
                    FROM generate_series(0, 88) d
                ) s
                WHERE c.id = ANY(@ids);
                INSERT INTO price_fill (coin_key, currency_key, at, price)
                SELECT c.coin_key, k.currency_key, @minute - m * interval '1 minute', 1000.0 / c.coin_key
                FROM coin c, currency k, generate_series(@gapEnd + 5, @gapStart, 5) m
                WHERE c.id = 'bitcoin' AND k.code = 'usd';
                UPDATE price_series_compaction SET pieces_from = @first, pieces_until = @first;
                UPDATE price_history SET bars_until = (@first AT TIME ZONE 'UTC')::date, next_coin_key = 0;
                """, new
            {
                cycleId, minute, first, ids = Ids, gapStart = GapStartsMinutesAgo,
                gapEnd = GapStartsMinutesAgo - GapMinutes + 1,
            });
        }
        var currencies = await new CurrencyStore(db).ListAsync();
        await new SeriesCompactor(db).RunAsync(currencies, TimeSpan.FromMinutes(5));
        await new BarRollup(db).RunAsync(TimeSpan.FromMinutes(5));
        await using (var connection = await db.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE price_history SET minutes_from = @minutes, hours_from = @hours",
                new { minutes = DateOnly.FromDateTime(minute).AddDays(-7), hours = DateOnly.FromDateTime(first) });
        await new VolatilityStore(db).RecomputeAsync(currencies, minute);
    }

    /// <summary>A new price of the coin, stored as a cycle's page stores it (the live streams hear of it).</summary>
    public static async Task<(long Unix, double Usd)> StoreNewPriceAsync(NpgsqlDataSource db, string coinId, double usd)
    {
        var now = DateTime.UtcNow;
        var at = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var coin = (await new CoinStore(db).SetTrackedAsync(Ids)).Single(c => c.Id == coinId);
        var currencies = await new CurrencyStore(db).ListAsync();
        var cycleId = await new PollCycleStore(db).CreateAsync($"page-live-{Guid.NewGuid():N}", at, [[coin]]);
        var prices = currencies.Select(c => c.Code switch { "usd" => usd, "eur" => usd * 0.9, _ => (double?)null })
            .ToArray();
        await new PriceSampleStore(db).StorePageAsync(
            cycleId, 0, currencies, [new PriceSample(coin.CoinKey, at, prices)], new PageCounts(0));
        return (new DateTimeOffset(at).ToUnixTimeSeconds(), usd);
    }
}
