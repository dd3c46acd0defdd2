using System.Diagnostics;
using Btc.Data.History.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Codec;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// Long windows from the bar tiers: a year of day bars and 30 days of hour bars of every coin and currency before the
/// fill's first day, written as the rollup leaves them (a day's hour bars together, a month's day bars in a row), then
/// the bars of random (coin, currency) pairs read as the API reads them: shared buffers of the stored bars' statement
/// and the time of a whole read (stored bars, and the days after them summarized from the minute samples).
/// </summary>
public static class HistoryBenchmark
{
    private const int Reads = 200;
    private const int HourDays = 30;
    private const int DayDays = 365;

    public static async Task RunAsync(NpgsqlDataSource db, IReadOnlyList<TrackedCoin> coins, Report report)
    {
        await using var connection = await db.OpenConnectionAsync();
        await CompressedSizesAsync(connection, coins.Count, report);
        var firstDay = DateOnly.FromDateTime(
            await connection.ExecuteScalarAsync<DateTime>("SELECT min(start) FROM price_piece"));
        var written = Stopwatch.GetTimestamp();
        // Day bars as the rollup leaves them once autovacuum has reclaimed each day's rewrite: a row per month.
        var firstMonth = new DateOnly(firstDay.AddDays(-DayDays).Year, firstDay.AddDays(-DayDays).Month, 1);
        for (var month = firstMonth; month < firstDay; month = month.AddMonths(1))
        {
            var (from, until) = (Later(month, firstDay.AddDays(-DayDays)), Earlier(month.AddMonths(1), firstDay));
            await connection.ExecuteAsync("""
                INSERT INTO price_bar_day AS m (coin_key, currency_key, month, d, open, high, low, close, mean, count)
                SELECT c.coin_key, k::smallint, @month, b.d, b.p, b.p, b.p, b.p, b.p, b.n
                FROM coin c CROSS JOIN generate_series(1, 62) k
                CROSS JOIN LATERAL (SELECT array_agg(x::smallint ORDER BY x) AS d,
                                           array_agg(100 + c.coin_key + sin(x + k) ORDER BY x) AS p,
                                           array_agg(1440 ORDER BY x) AS n
                                    FROM generate_series(@first, @last) x) b
                WHERE c.is_tracked ORDER BY 1, 2
                -- The fill's first day, rolled up already, may share the last month.
                ON CONFLICT (coin_key, currency_key, month) DO UPDATE SET
                    d = excluded.d || m.d, open = excluded.open || m.open, high = excluded.high || m.high,
                    low = excluded.low || m.low, close = excluded.close || m.close, mean = excluded.mean || m.mean,
                    count = excluded.count || m.count
                """, new { month, first = from.Day, last = until.AddDays(-1).Day });
        }
        for (var day = firstDay.AddDays(-HourDays); day < firstDay; day = day.AddDays(1))
        {
            await connection.ExecuteAsync("""
                INSERT INTO price_bar_hour (coin_key, currency_key, day, h, open, high, low, close, mean, count)
                SELECT c.coin_key, k::smallint, @day, b.hours, b.p, b.p, b.p, b.p, b.p, b.n
                FROM coin c CROSS JOIN generate_series(1, 62) k
                CROSS JOIN LATERAL (SELECT array_agg(x::smallint ORDER BY x) AS hours,
                                           array_agg(100 + c.coin_key + sin(x + k + @seed) ORDER BY x) AS p,
                                           array_agg(60 ORDER BY x) AS n
                                    FROM generate_series(0, 23) x) b
                WHERE c.is_tracked ORDER BY 1, 2
                """, new { day, seed = day.DayNumber });
        }
        await connection.ExecuteAsync("VACUUM ANALYZE price_bar_hour, price_bar_day");
        report.Add(
            $"history: {DayDays} days of day bars and {HourDays} of hour bars written, {coins.Count:N0} coins × 62 "
                + "currencies",
            Stopwatch.GetElapsedTime(written).TotalSeconds, "s");
        var bytes = await connection.QuerySingleAsync<(long Hour, long Day)>(
            "SELECT pg_total_relation_size('price_bar_hour'), pg_total_relation_size('price_bar_day')");
        report.Add($"storage: old-layout hour bars per day, {coins.Count:N0} coins",
            bytes.Hour / (double)HourDays / 1e6, "MB");
        report.Add($"storage: old-layout day bars per day, {coins.Count:N0} coins",
            bytes.Day / (double)DayDays / 1e6, "MB");

        var to = DateTime.UtcNow;
        await WindowAsync(db, connection, coins, BarInterval.Hour, TimeSpan.FromDays(HourDays), to, report);
        await WindowAsync(db, connection, coins, BarInterval.Day, TimeSpan.FromDays(DayDays), to, report);
    }

    /// <summary>
    /// The compressed bars the rollup wrote from the fill's complete days: hour bars per coin-hour (open, high, low,
    /// close and count of every currency; the means apart) and both tables per day, indexes included.
    /// </summary>
    private static async Task CompressedSizesAsync(NpgsqlConnection connection, int coins, Report report)
    {
        var rows = (await connection.QueryAsync<byte[]>("SELECT data FROM price_bars_hour")).AsList();
        var days = await connection.ExecuteScalarAsync<long>("SELECT count(DISTINCT day) FROM price_bars_hour");
        if (rows.Count == 0 || days == 0)
            return;
        var layouts = rows.Select(r => HourBarsCodec.Inspect(r)).ToArray();
        var coinHours = (double)rows.Sum(r => HourBarsCodec.DecodeSeconds(r)[0].Length);
        report.Add("storage: hour bars per coin-hour, open/high/low/close/count of every currency",
            layouts.Sum(l => (double)(l.Bytes - l.MeanBytes)) / coinHours, "B");
        report.Add("storage: hour bars' means per coin-hour", layouts.Sum(l => (double)l.MeanBytes) / coinHours, "B");
        var sizes = await connection.QuerySingleAsync<(long Hour, long Day, long DayData)>("""
            SELECT pg_total_relation_size('price_bars_hour'), pg_total_relation_size('price_bars_day'),
                   (SELECT sum(length(data)) FROM price_bars_day)
            """);
        report.Add($"storage: hour bars per day, {coins:N0} coins (table)", sizes.Hour / (double)days / 1e6, "MB");
        report.Add($"storage: day bars per day, {coins:N0} coins (encoded rows)", sizes.DayData / (double)days / 1e6,
            "MB");
        report.Add($"storage: day bars per day, {coins:N0} coins (table, a month's row re-encoded each day)",
            sizes.Day / (double)days / 1e6, "MB");
    }

    private static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Earlier(DateOnly a, DateOnly b) => a < b ? a : b;

    private static async Task WindowAsync(
        NpgsqlDataSource db,
        NpgsqlConnection connection,
        IReadOnlyList<TrackedCoin> coins,
        BarInterval interval, TimeSpan length, DateTime to, Report report)
    {
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null).ToArray();
        var bars = new BarReader(db, new SeriesReader(db, new CurrencyStore(db)));
        var random = new Random(11);
        var (buffers, times, count) = (new List<long>(), new List<double>(), 0);
        for (var i = -3; i < Reads; i++)
        {
            var coin = coins[random.Next(coins.Count)].CoinKey;
            var currency = currencies[random.Next(currencies.Length)];
            var (sql, parameters) = BarReader.StoredQuery(
                coin,
                currency,
                interval,
                to - length,
                to,
                DateOnly.FromDateTime(to));
            var plan = await connection.ExecuteScalarAsync<string>(
                $"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}",
                parameters);
            var statementBuffers = PlanBuffers.Of(plan!);
            var started = Stopwatch.GetTimestamp();
            // Another pair for the timed read, so that the EXPLAIN has not just brought its pages in.
            var read = await bars.BarsAsync(
                coins[random.Next(coins.Count)].CoinKey,
                currencies[random.Next(currencies.Length)],
                interval,
                to - length,
                to);
            if (i < 0)
                continue;
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            buffers.Add(statementBuffers);
            count = read.Count;
        }
        buffers.Sort();
        times.Sort();
        var name = interval == BarInterval.Hour
            ? $"{length.TotalDays:0}-day window at hour interval"
            : $"{length.TotalDays:0}-day window at day interval";
        report.Add($"{name}, random pairs, {coins.Count:N0} coins: bars answered", count, "bars");
        report.Add($"{name}: stored bars' shared buffers, median / most", buffers[Reads / 2],
            $"buffers / {buffers[^1]}");
        report.Add($"{name}: read, 1 client, p50 / p99", times[Reads / 2],
            $"ms / {times[(int)(Reads * 0.99)]:0.###} ms");
    }
}
