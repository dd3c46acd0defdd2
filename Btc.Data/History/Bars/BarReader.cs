using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Dapper;
using Npgsql;

namespace Btc.Data.History.Bars;

/// <summary>
/// A coin's hour or day bars in one currency: stored bars for the days rolled up, and bars summarized from the
/// minute samples (<see cref="SeriesReader"/>) after them, the current, incomplete hour or day included.
/// </summary>
public sealed class BarReader(NpgsqlDataSource db, SeriesReader minutes)
{
    public async Task<HistoryTiers> TiersAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var (minutesFrom, hoursFrom, barsUntil) = await connection.QuerySingleAsync<(DateOnly, DateOnly, DateOnly)>(
            new CommandDefinition(
                "SELECT minutes_from, hours_from, bars_until FROM price_history", cancellationToken: ct));
        return new HistoryTiers(Utc(minutesFrom), Utc(hoursFrom), Utc(barsUntil));
    }

    /// <summary>The bars that start in [from, to), oldest first, each over its whole hour or day.</summary>
    public async Task<IReadOnlyList<PriceBar>> BarsAsync(
        int coinKey, Currency currency, BarInterval interval, DateTime from, DateTime to,
        CancellationToken ct = default)
    {
        var period = interval == BarInterval.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var (fromUnix, toUnix) = (UnixTime.CeilingSeconds(from), UnixTime.CeilingSeconds(to));
        var bars = new List<PriceBar>();
        var (stored, barsUntil) = await StoredAsync(coinKey, currency, interval, from, to, ct);
        bars.AddRange(stored.Where(b => b.UnixSeconds >= fromUnix && b.UnixSeconds < toUnix));
        var liveFrom = barsUntil > from ? barsUntil : from;

        var first = Ceiling(liveFrom, period);
        var end = Ceiling(to, period);
        if (first < end)
        {
            // Polled samples only, as the stored bars hold (docs/decisions/0004).
            var points = await minutes.SeriesAsync(coinKey, currency, first, end, ct, SeriesSource.Polled);
            bars.AddRange(BarMaths.Summarize(points, interval).Where(b => b.UnixSeconds < toUnix));
        }
        return bars;
    }

    private async Task<(IReadOnlyList<PriceBar> Bars, DateTime BarsUntil)> StoredAsync(
        int coinKey, Currency currency, BarInterval interval, DateTime from, DateTime to, CancellationToken ct)
    {
        // Read once and passed on: the rollup may move it at any moment, and the stored bars must end where the
        // computed ones begin.
        await using var connection = await db.OpenConnectionAsync(ct);
        var barsUntil = await connection.QuerySingleAsync<DateOnly>(new CommandDefinition(
            "SELECT bars_until FROM price_history", cancellationToken: ct));
        var (sql, parameters) = StoredQuery(coinKey, currency, interval, from, to, barsUntil);
        var bars = await connection.QueryAsync<PriceBar>(new CommandDefinition(sql, parameters, cancellationToken: ct));
        return (bars.AsList(), Utc(barsUntil));
    }

    /// <summary>The stored bars' statement, for the benchmark to count its buffers.</summary>
    internal static (string Sql, object Parameters) StoredQuery(
        int coinKey, Currency currency, BarInterval interval, DateTime from, DateTime to, DateOnly barsUntil) =>
        (interval == BarInterval.Hour
            ? """
                SELECT (b.day - date '1970-01-01')::bigint * 86400 + u.h * 3600 AS UnixSeconds,
                       u.open AS Open, u.high AS High, u.low AS Low, u.close AS Close, u.mean AS Mean, u.count AS Count
                FROM price_bar_hour b
                CROSS JOIN LATERAL unnest(b.h, b.open, b.high, b.low, b.close, b.mean, b.count)
                                   AS u(h, open, high, low, close, mean, count)
                WHERE b.coin_key = @coinKey AND b.currency_key = @currencyKey
                  AND b.day >= @fromDay AND b.day <= @toDay AND b.day < @barsUntil
                ORDER BY b.day, u.h
                """
            : """
                SELECT (b.month + u.d - 1 - date '1970-01-01')::bigint * 86400 AS UnixSeconds,
                       u.open AS Open, u.high AS High, u.low AS Low, u.close AS Close, u.mean AS Mean, u.count AS Count
                FROM price_bar_day b
                CROSS JOIN LATERAL unnest(b.d, b.open, b.high, b.low, b.close, b.mean, b.count)
                                   AS u(d, open, high, low, close, mean, count)
                WHERE b.coin_key = @coinKey AND b.currency_key = @currencyKey
                  AND b.month >= @fromMonth AND b.month <= @toDay AND b.month + u.d - 1 < @barsUntil
                ORDER BY b.month, u.d
                """,
         new
         {
             coinKey, currencyKey = currency.CurrencyKey, fromDay = DateOnly.FromDateTime(from),
             toDay = DateOnly.FromDateTime(to),
             fromMonth = new DateOnly(from.Year, from.Month, 1), barsUntil,
         });

    private static DateTime Ceiling(DateTime at, TimeSpan period) =>
        new((at.Ticks + period.Ticks - 1) / period.Ticks * period.Ticks, DateTimeKind.Utc);

    private static DateTime Utc(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
