using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;

namespace Btc.Data.History.Bars;

/// <summary>
/// A coin's hour or day bars in one currency: stored bars for the days rolled up (price_bars_hour / price_bars_day,
/// and the rows of the old layout not converted yet or of currencies added later), and bars summarized from the
/// minute samples (<see cref="SeriesReader"/>) after them, the current, incomplete hour or day included.
/// </summary>
public sealed class BarReader(NpgsqlDataSource db, SeriesReader minutes, RateStore? rates = null)
{
    private readonly RateStore _rates = rates ?? new RateStore();

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
        // The old rows (a currency added later, or a day not converted yet) before the compressed ones: a row
        // converted in between is read twice, and the compressed copy wins, rather than not at all.
        var old = await connection.QueryAsync<PriceBar>(new CommandDefinition(
            interval == BarInterval.Hour ? OldHoursSql : OldDaysSql, parameters, cancellationToken: ct));
        var bars = old.ToDictionary(b => b.UnixSeconds);
        if (SeededColumns.Of(currency) is { } column)
        {
            var rows = (await connection.QueryAsync<(DateOnly Start, byte[] Data)>(
                new CommandDefinition(sql, parameters, cancellationToken: ct))).AsList();
            foreach (var bar in await DecodeAsync(connection, rows, column, interval, ct))
                bars[bar.UnixSeconds] = bar;
        }
        var untilUnix = CoinBars.UnixSeconds(Utc(barsUntil));
        return (bars.Values.Where(b => b.UnixSeconds < untilUnix).OrderBy(b => b.UnixSeconds).ToArray(),
            Utc(barsUntil));
    }

    /// <summary>
    /// One column's bars of compressed rows; the rates of hour bars' moments are read where the column is predicted.
    /// </summary>
    private async Task<IEnumerable<PriceBar>> DecodeAsync(NpgsqlConnection connection,
        IReadOnlyList<(DateOnly Start, byte[] Data)> rows, int column, BarInterval interval, CancellationToken ct)
    {
        var slot = interval == BarInterval.Hour ? BarRows.Hour : BarRows.Day;
        var decoded = new List<(DateTime Start, IReadOnlyList<int[]> Seconds, byte[] Data, bool Predicted)>();
        foreach (var (start, data) in rows)
        {
            var layout = HourBarsCodec.Inspect(data);
            if (column >= layout.Fields[0].Columns.Count)
                continue;
            var predicted = layout.Fields.Any(f => f.Columns[column].Mode == ColumnMode.Predicted);
            decoded.Add((Utc(start), HourBarsCodec.DecodeSeconds(data), data, predicted));
        }
        var quarters = await _rates.ReadAsync(connection, null,
            decoded.Where(d => d.Predicted).SelectMany(d => BarRates.Quarters(d.Start, d.Seconds)), ct);
        var bars = new List<PriceBar>();
        foreach (var (start, seconds, data, predicted) in decoded)
        {
            var rates = predicted ? BarRates.Column(start, seconds, quarters, column) : new double?[]?[4];
            var bar = HourBarsCodec.DecodeColumn(data, column, rates);
            for (var i = 0; i < bar.Count.Length; i++)
            {
                if (bar.Count[i] == 0)
                    continue;
                var at = start + slot * (int)(seconds[0][i] / slot.TotalSeconds);
                bars.Add(new PriceBar(CoinBars.UnixSeconds(at), bar.Open[i]!.Value, bar.High[i]!.Value,
                    bar.Low[i]!.Value, bar.Close[i]!.Value, bar.Mean![i]!.Value, bar.Count[i]));
            }
        }
        return bars;
    }

    /// <summary>The compressed rows' statement (a coin's days or months), for the benchmark to count its buffers.
    /// </summary>
    internal static (string Sql, object Parameters) StoredQuery(
        int coinKey, Currency currency, BarInterval interval, DateTime from, DateTime to, DateOnly barsUntil) =>
        (interval == BarInterval.Hour
            ? """
                SELECT day, data FROM price_bars_hour
                WHERE coin_key = @coinKey AND day >= @fromDay AND day <= @toDay AND day < @barsUntil
                """
            : """
                SELECT month, data FROM price_bars_day
                WHERE coin_key = @coinKey AND month >= @fromMonth AND month <= @toDay AND month < @barsUntil
                """,
         new
         {
             coinKey, currencyKey = currency.CurrencyKey, fromDay = DateOnly.FromDateTime(from),
             toDay = DateOnly.FromDateTime(to),
             fromMonth = new DateOnly(from.Year, from.Month, 1), barsUntil,
         });

    private const string OldHoursSql = """
        SELECT (b.day - date '1970-01-01')::bigint * 86400 + u.h * 3600 AS UnixSeconds,
               u.open AS Open, u.high AS High, u.low AS Low, u.close AS Close, u.mean AS Mean, u.count AS Count
        FROM price_bar_hour b
        CROSS JOIN LATERAL unnest(b.h, b.open, b.high, b.low, b.close, b.mean, b.count)
                           AS u(h, open, high, low, close, mean, count)
        WHERE b.coin_key = @coinKey AND b.currency_key = @currencyKey
          AND b.day >= @fromDay AND b.day <= @toDay AND b.day < @barsUntil
        """;

    private const string OldDaysSql = """
        SELECT (b.month + u.d - 1 - date '1970-01-01')::bigint * 86400 AS UnixSeconds,
               u.open AS Open, u.high AS High, u.low AS Low, u.close AS Close, u.mean AS Mean, u.count AS Count
        FROM price_bar_day b
        CROSS JOIN LATERAL unnest(b.d, b.open, b.high, b.low, b.close, b.mean, b.count)
                           AS u(d, open, high, low, close, mean, count)
        WHERE b.coin_key = @coinKey AND b.currency_key = @currencyKey
          AND b.month >= @fromMonth AND b.month <= @toDay AND b.month + u.d - 1 < @barsUntil
        """;

    private static DateTime Ceiling(DateTime at, TimeSpan period) =>
        new((at.Ticks + period.Ticks - 1) / period.Ticks * period.Ticks, DateTimeKind.Utc);

    private static DateTime Utc(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
