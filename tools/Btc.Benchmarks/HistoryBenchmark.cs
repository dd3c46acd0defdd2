using System.Diagnostics;
using System.Text.Json;
using Btc.Data.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Series;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// Long windows from the bar tiers: a year of day bars and 30 days of hour bars of every coin and currency, written
/// before the fill's first day one day at a time in the order the rollup writes them, then the bars of random
/// (coin, currency) pairs read as the API reads them: shared buffers of the stored bars' statement and the time of a
/// whole read (stored bars, and the days after them summarized from the minute samples).
/// </summary>
public static class HistoryBenchmark
{
    private const int Reads = 200;
    private const int HourDays = 30;
    private const int DayDays = 365;

    public static async Task RunAsync(NpgsqlDataSource db, IReadOnlyList<TrackedCoin> coins, Report report)
    {
        await using var connection = await db.OpenConnectionAsync();
        var firstDay = DateOnly.FromDateTime(await connection.ExecuteScalarAsync<DateTime>("SELECT min(last_updated_at) FROM price_sample"));
        var written = Stopwatch.GetTimestamp();
        for (var day = firstDay.AddDays(-DayDays); day < firstDay; day = day.AddDays(1))
        {
            // The rollup's upsert: each day rewrites its month's row of every coin and currency.
            await connection.ExecuteAsync("""
                INSERT INTO price_bar_day AS b (coin_key, currency_key, month, d, open, high, low, close, mean, count)
                SELECT c.coin_key, k::smallint, @month, ARRAY[@dayOfMonth], ARRAY[p], ARRAY[p * 1.01], ARRAY[p * 0.99], ARRAY[p], ARRAY[p], ARRAY[1440]
                FROM coin c CROSS JOIN generate_series(1, 62) k
                CROSS JOIN LATERAL (SELECT 100 + c.coin_key + sin(k + @seed) AS p) v
                WHERE c.is_tracked ORDER BY 1, 2
                ON CONFLICT (coin_key, currency_key, month) DO UPDATE SET
                    d = b.d || excluded.d, open = b.open || excluded.open, high = b.high || excluded.high, low = b.low || excluded.low,
                    close = b.close || excluded.close, mean = b.mean || excluded.mean, count = b.count || excluded.count
                """, new { month = new DateOnly(day.Year, day.Month, 1), dayOfMonth = (short)day.Day, seed = day.DayNumber });
            if (day >= firstDay.AddDays(-HourDays))
                await connection.ExecuteAsync("""
                    INSERT INTO price_bar_hour (coin_key, currency_key, day, h, open, high, low, close, mean, count)
                    SELECT c.coin_key, k::smallint, @day, b.hours, b.p, b.p, b.p, b.p, b.p, b.n
                    FROM coin c CROSS JOIN generate_series(1, 62) k
                    CROSS JOIN LATERAL (SELECT array_agg(x::smallint ORDER BY x) AS hours, array_agg(100 + c.coin_key + sin(x + k + @seed) ORDER BY x) AS p,
                                               array_agg(60 ORDER BY x) AS n
                                        FROM generate_series(0, 23) x) b
                    WHERE c.is_tracked ORDER BY 1, 2
                    """, new { day, seed = day.DayNumber });
        }
        await connection.ExecuteAsync("VACUUM ANALYZE price_bar_hour, price_bar_day");
        report.Add($"history: {DayDays} days of day bars and {HourDays} of hour bars written, {coins.Count:N0} coins × 62 currencies",
            Stopwatch.GetElapsedTime(written).TotalSeconds, "s");
        var bytes = await connection.QuerySingleAsync<(long Hour, long Day)>(
            "SELECT pg_total_relation_size('price_bar_hour'), pg_total_relation_size('price_bar_day')");
        report.Add($"storage: hour bars per day, {coins.Count:N0} coins", bytes.Hour / (double)HourDays / 1e6, "MB");
        report.Add($"storage: day bars per day, {coins.Count:N0} coins", bytes.Day / (double)DayDays / 1e6, "MB");

        var to = DateTime.UtcNow;
        await WindowAsync(db, connection, coins, BarInterval.Hour, TimeSpan.FromDays(HourDays), to, report);
        await WindowAsync(db, connection, coins, BarInterval.Day, TimeSpan.FromDays(DayDays), to, report);
    }

    private static async Task WindowAsync(NpgsqlDataSource db, NpgsqlConnection connection, IReadOnlyList<TrackedCoin> coins,
        BarInterval interval, TimeSpan length, DateTime to, Report report)
    {
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null).ToArray();
        var bars = new BarReader(db, new SeriesReader(db, new CurrencyStore(db)));
        var random = new Random(11);
        var (buffers, times, count) = (new List<long>(), new List<double>(), 0);
        for (var i = -3; i < Reads; i++)
        {
            var (coin, currency) = (coins[random.Next(coins.Count)].CoinKey, currencies[random.Next(currencies.Length)]);
            var (sql, parameters) = BarReader.StoredQuery(coin, currency, interval, to - length, to);
            var plan = await connection.ExecuteScalarAsync<string>($"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", parameters);
            using var json = JsonDocument.Parse(plan!);
            var top = json.RootElement[0].GetProperty("Plan");
            var started = Stopwatch.GetTimestamp();
            // Another pair for the timed read, so that the EXPLAIN has not just brought its pages in.
            var read = await bars.BarsAsync(coins[random.Next(coins.Count)].CoinKey, currencies[random.Next(currencies.Length)], interval, to - length, to);
            if (i < 0)
                continue;
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            buffers.Add(top.GetProperty("Shared Hit Blocks").GetInt64() + top.GetProperty("Shared Read Blocks").GetInt64());
            count = read.Count;
        }
        buffers.Sort();
        times.Sort();
        var name = interval == BarInterval.Hour ? $"{length.TotalDays:0}-day window at hour interval" : $"{length.TotalDays:0}-day window at day interval";
        report.Add($"{name}, random pairs, {coins.Count:N0} coins: bars answered", count, "bars");
        report.Add($"{name}: stored bars' shared buffers, median / most", buffers[Reads / 2], $"buffers / {buffers[^1]}");
        report.Add($"{name}: read, 1 client, p50 / p99", times[Reads / 2], $"ms / {times[(int)(Reads * 0.99)]:0.###} ms");
    }
}
