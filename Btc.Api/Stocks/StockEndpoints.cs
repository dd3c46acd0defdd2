using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Btc.Data.History.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Data.Volatility;
using Btc.Api.Hosting;
using Btc.Api.Volatility;
using static Btc.Api.Volatility.MeasureNames;
using static Btc.Api.Hosting.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Btc.Api.Stocks;

/// <summary>The endpoints existing clients call: paths and JSON shapes are those of the original service.</summary>
public static class StockEndpoints
{
    public static readonly string[] Templates =
    [
        "/stock", "/stock/<stock_id>/<currency>", "/stock/<stock_id>/<currency>/volatility_rank", "/cycles", "/budget",
        "/coins", "/volatility", "/currencies",
    ];

    /// <summary>How many points of a minute series were filled from CoinGecko history (docs/decisions/0004).</summary>
    public const string FilledHeader = "X-Filled-Points";

    private const string SeriesSummary =
        "A coin's prices in a currency as [[unix_seconds, price], …], oldest first; or its hour or day bars.";

    private const string SeriesDescription =
        "The last 24 hours up to now, every stored price included from the moment it is stored, unless from/to " +
        "(ISO-8601 or unix seconds) choose another window of up to ten years. Without interval, the finest tier that " +
        "holds the whole window answers: minute samples (kept Retention__MinuteDays, 7 by default), else hour bars " +
        "(Retention__HourDays, 365), else day bars (kept for good). A bar answers as [bar start, mean of its " +
        "samples]; fields=ohlc answers bars as [[unix_seconds, open, high, low, close, mean, count], …] (the " +
        "finest bar tier when no interval is given). A bar covers its whole hour or UTC day; the current one holds " +
        "the samples so far. An interval finer than any tier holding the window is a 400 naming the finest " +
        "available. Where no cycle polled (the worker down, CoinGecko unreachable, a new install's first day), " +
        "points filled from CoinGecko's history stand in: 5-minutely within a day of the fill, hourly before. A " +
        $"minute series says how many it holds in the {FilledHeader} header; source=polled leaves them out, " +
        "source=filled lists exactly them.";

    private const string FromHelp = "Window start: ISO-8601 or unix seconds; 24 hours before 'to' by default.";
    private const string ToHelp = "Window end (excluded): ISO-8601 or unix seconds; now by default, and never later.";
    private const string IntervalHelp = "minute, hour or day; by default the finest tier holding the whole window.";
    private const string FieldsHelp =
        "price (default): [unix_seconds, price]; ohlc: [unix_seconds, open, high, low, close, mean, count] per bar.";
    private const string SourceHelp =
        "all (default): polled samples and the points filled from CoinGecko's history where no cycle polled " +
        "(5-minutely within the last day, hourly before); polled: only what a cycle polled; filled: only the filled " +
        "points (minute series only: bars hold polled samples only). A minute series' X-Filled-Points header says " +
        "how many of its points are filled.";

    private const string RankSummary =
        "The coin's volatility rank in a currency over the 24 hours up to the last completed poll cycle (as_of); " +
        "1 is the most volatile, ties share a rank.";

    private const string RankDescription =
        $"measure: {LogReturn} (default, standard deviation of log returns) or {Price} (standard deviation of the " +
        "price, as the original ranked).";

    public static IEndpointRouteBuilder MapStocks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Ok(Templates))
            .WithName("Index").WithSummary("The endpoint templates this service answers.").WithTags("Stocks");

        var stocks = app.MapGroup("/stock").WithTags("Stocks");

        stocks.MapGet("/", ListAsync)
            .WithName("ListStocks")
            .WithSummary("CoinGecko ids with prices in the last 24 hours, in code-point order: each has a series.");

        stocks.MapGet("/{stock_id}/{currency}", SeriesAsync)
            .WithName("GetSeries")
            .WithSummary(SeriesSummary)
            .WithDescription(SeriesDescription)
            .Produces<double[][]>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        stocks.MapGet("/{stock_id}/{currency}/volatility_rank", VolatilityRankAsync)
            .WithName("GetVolatilityRank")
            .WithSummary(RankSummary)
            .WithDescription(RankDescription)
            .Produces<VolatilityRankResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<JsonBytes> ListAsync(
        CoinStore coins, ServedDataCache cache, TimeProvider clock, CancellationToken ct)
    {
        var body = await cache.GetOrCreateAsync("stock-ids", async () => JsonSerializer.SerializeToUtf8Bytes(
            await coins.ListIdsWithPricesAsync(PriceWindow.LastDay(clock.GetUtcNow().UtcDateTime), ct)));
        return new JsonBytes(body!);
    }

    private static async Task<Results<JsonBytes, ProblemHttpResult>> SeriesAsync(
        [FromRoute(Name = "stock_id")] string stockId, string currency,
        [Description(FromHelp)] string? from,
        [Description(ToHelp)] string? to,
        [Description(IntervalHelp)] string? interval,
        [Description(FieldsHelp)] string? fields,
        [Description(SourceHelp)] string? source,
        HttpContext http, StockLookup lookup, SeriesReader prices, BarReader bars, ServedDataCache cache,
        TimeProvider clock, CancellationToken ct)
    {
        var (window, error) = SeriesWindowParser.Parse(from, to, clock.GetUtcNow().UtcDateTime);
        if (error is not null)
            return BadRequest("Malformed time window", error);
        var (shape, shapeError) = SeriesShape.Parse(interval, fields);
        if (shape is null)
            return BadRequest("Malformed series shape", shapeError!);
        if (ParseSource(source) is not { } series)
            return BadRequest("Unknown source", $"'source' must be all, polled or filled, not '{source}'.");
        var (coinKey, found, problem) = await ResolveAsync(stockId, currency, lookup, ct);
        if (problem is not null)
            return problem;
        var (chosen, tooFine) = shape.Choose(await lookup.TiersAsync(ct), window.From);
        if (tooFine is not null)
            return BadRequest("Interval too fine for the window", tooFine);
        if (series == SeriesSource.Filled && chosen != BarInterval.Minute)
            return BadRequest("Filled points are in the minute series only",
                "Bars hold polled samples only: ask source=filled with interval=minute.");

        // Keyed on what was asked, not on the window: a window relative to now differs at every request.
        var key = ("series", coinKey, found!.CurrencyKey, from, to, chosen, shape.Ohlc, series);
        var answer = await cache.GetOrCreateAsync(key, async () => chosen == BarInterval.Minute
            ? MinuteAnswer(await prices.SeriesAsync(coinKey, found, window.From, window.To, ct, series))
            : BarAnswer(await bars.BarsAsync(coinKey, found, chosen, window.From, window.To, ct), shape.Ohlc),
            a => a.Body.Length);
        if (answer is null)
        {
            var which = series == SeriesSource.All ? "" : series.ToString().ToLowerInvariant() + " ";
            return NotFound("No prices in the window",
                $"'{stockId}' has no {found.Code} {which}prices between {window.From:O} and {window.To:O}.");
        }
        if (answer.Filled is { } filled)
            http.Response.Headers[FilledHeader] = filled.ToString(CultureInfo.InvariantCulture);
        return new JsonBytes(answer.Body);
    }

    private static SeriesAnswer? MinuteAnswer(IReadOnlyList<PricePoint> points) => points.Count == 0
        ? null
        : new SeriesAnswer(Serialize(points, 32, WritePoint), points.Count(p => p.Filled));

    private static SeriesAnswer? BarAnswer(IReadOnlyList<PriceBar> bars, bool ohlc) => bars.Count == 0
        ? null
        : new SeriesAnswer(ohlc ? Serialize(bars, 120, WriteOhlc) : Serialize(bars, 32, WriteMean), null);

    /// <summary>A series' body, and how many of its points were filled (null for bars, which do not tell).</summary>
    private sealed record SeriesAnswer(byte[] Body, int? Filled);

    private static async Task<Results<JsonBytes, ProblemHttpResult>> VolatilityRankAsync(
        [FromRoute(Name = "stock_id")] string stockId, string currency, string? measure,
        StockLookup lookup, VolatilityStore volatility, ServedDataCache cache, CancellationToken ct)
    {
        var (chosen, unknown) = MeasureNames.Parse(measure);
        if (unknown is not null)
            return unknown;
        var (coinKey, found, problem) = await ResolveAsync(stockId, currency, lookup, ct);
        if (problem is not null)
            return problem;

        var body = await cache.GetOrCreateAsync(("rank", coinKey, found!.CurrencyKey, chosen), async () =>
            await volatility.FindAsync(coinKey, found.CurrencyKey, chosen, ct) is { } rank
                ? JsonSerializer.SerializeToUtf8Bytes(new VolatilityRankResponse(
                    rank.Rank, rank.OutOf, measure ?? LogReturn, rank.Volatility, rank.AsOf))
                : null);
        var least = chosen == VolatilityMeasure.PriceStddev ? "2 prices" : "3 positive prices";
        return body is null
            ? NotFound("Too little data to rank",
                $"'{stockId}' had too few {found.Code} prices in the 24 hours up to the last completed cycle to be " +
                $"ranked by {measure ?? LogReturn} (at least {least}).")
            : new JsonBytes(body);
    }

    internal static async Task<(int CoinKey, Currency? Currency, ProblemHttpResult? Problem)> ResolveAsync(
        string stockId, string currency, StockLookup lookup, CancellationToken ct)
    {
        if (await lookup.CoinKeyAsync(stockId, ct) is not { } coinKey)
            return (0, null, NotFound("Unknown coin",
                $"No coin has the CoinGecko id '{stockId}'; GET /stock lists the ids with prices."));
        if (await lookup.CurrencyAsync(currency, ct) is not { } found)
            return (0, null, UnknownCurrency(currency));
        return (coinKey, found, null);
    }

    /// <summary>
    /// <paramref name="rows"/> as a JSON array of arrays of numbers, each row's numbers written by
    /// <paramref name="write"/>; <paramref name="rowBytes"/> is a row's usual size, to size the buffer once.
    /// </summary>
    private static byte[] Serialize<T>(IReadOnlyList<T> rows, int rowBytes, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(rows.Count * rowBytes + 2);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                write(json, row);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WritePoint(Utf8JsonWriter json, PricePoint point)
    {
        json.WriteNumberValue(point.UnixSeconds);
        json.WriteNumberValue(point.Price);
    }

    private static void WriteMean(Utf8JsonWriter json, PriceBar bar)
    {
        json.WriteNumberValue(bar.UnixSeconds);
        json.WriteNumberValue(bar.Mean);
    }

    private static void WriteOhlc(Utf8JsonWriter json, PriceBar bar)
    {
        json.WriteNumberValue(bar.UnixSeconds);
        json.WriteNumberValue(bar.Open);
        json.WriteNumberValue(bar.High);
        json.WriteNumberValue(bar.Low);
        json.WriteNumberValue(bar.Close);
        json.WriteNumberValue(bar.Mean);
        json.WriteNumberValue(bar.Count);
    }

    private static SeriesSource? ParseSource(string? source) => source?.ToLowerInvariant() switch
    {
        null or "all" => SeriesSource.All,
        "polled" => SeriesSource.Polled,
        "filled" => SeriesSource.Filled,
        _ => null,
    };
}
