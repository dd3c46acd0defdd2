using System.Buffers;
using System.ComponentModel;
using System.Text.Json;
using Btc.Data.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.Data.Series;
using Btc.Data.Volatility;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Btc.Api.Stocks;

/// <summary>The endpoints existing clients call: paths and JSON shapes are those of the original service.</summary>
public static class StockEndpoints
{
    public static readonly string[] Templates =
        ["/stock", "/stock/<stock_id>/<currency>", "/stock/<stock_id>/<currency>/volatility_rank", "/cycles"];

    private const string LogReturn = "log_return_stddev";
    private const string Price = "price_stddev";

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
            .WithSummary("A coin's prices in a currency as [[unix_seconds, price], …], oldest first; or its hour or day bars.")
            .WithDescription(
                "The last 24 hours up to now, every stored price included from the moment it is stored, unless from/to (ISO-8601 or unix " +
                "seconds) choose another window of up to ten years. Without interval, the finest tier that holds the whole window answers: " +
                "minute samples (kept Retention__MinuteDays, 7 by default), else hour bars (Retention__HourDays, 365), else day bars (kept " +
                "for good). A bar answers as [bar start, mean of its samples]; fields=ohlc answers bars as [[unix_seconds, open, high, low, " +
                "close, mean, count], …] (the finest bar tier when no interval is given). A bar covers its whole hour or UTC day; the current " +
                "one holds the samples so far. An interval finer than any tier holding the window is a 400 naming the finest available.")
            .Produces<double[][]>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        stocks.MapGet("/{stock_id}/{currency}/volatility_rank", VolatilityRankAsync)
            .WithName("GetVolatilityRank")
            .WithSummary("The coin's volatility rank in a currency over the 24 hours up to the last completed poll cycle (as_of); 1 is the most volatile, ties share a rank.")
            .WithDescription($"measure: {LogReturn} (default, standard deviation of log returns) or {Price} (standard deviation of the price, as the original ranked).")
            .Produces<VolatilityRankResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<JsonBytes> ListAsync(CoinStore coins, ServedDataCache cache, TimeProvider clock, CancellationToken ct)
    {
        var body = await cache.GetOrCreateAsync("stock-ids", async () =>
            JsonSerializer.SerializeToUtf8Bytes(await coins.ListIdsWithPricesAsync(PriceWindow.LastDay(clock.GetUtcNow().UtcDateTime), ct)));
        return new JsonBytes(body!);
    }

    private static async Task<Results<JsonBytes, ProblemHttpResult>> SeriesAsync(
        [FromRoute(Name = "stock_id")] string stockId, string currency,
        [Description("Window start: ISO-8601 or unix seconds; 24 hours before 'to' by default.")] string? from,
        [Description("Window end (excluded): ISO-8601 or unix seconds; now by default, and never later.")] string? to,
        [Description("minute, hour or day; by default the finest tier holding the whole window.")] string? interval,
        [Description("price (default): [unix_seconds, price]; ohlc: [unix_seconds, open, high, low, close, mean, count] per bar.")] string? fields,
        StockLookup lookup, SeriesReader prices, BarReader bars, ServedDataCache cache, TimeProvider clock, CancellationToken ct)
    {
        var (window, error) = SeriesWindowParser.Parse(from, to, clock.GetUtcNow().UtcDateTime);
        if (error is not null)
            return BadRequest("Malformed time window", error);
        var (shape, shapeError) = SeriesShape.Parse(interval, fields);
        if (shape is null)
            return BadRequest("Malformed series shape", shapeError!);
        var (coinKey, found, problem) = await ResolveAsync(stockId, currency, lookup, ct);
        if (problem is not null)
            return problem;
        var (chosen, tooFine) = shape.Choose(await lookup.TiersAsync(ct), window.From);
        if (tooFine is not null)
            return BadRequest("Interval too fine for the window", tooFine);

        // Keyed on what was asked, not on the window: a window relative to now differs at every request.
        var body = await cache.GetOrCreateAsync(("series", coinKey, found!.CurrencyKey, from, to, chosen, shape.Ohlc), async () =>
        {
            if (chosen == BarInterval.Minute)
            {
                var points = await prices.SeriesAsync(coinKey, found, window.From, window.To, ct);
                return points.Count == 0 ? null : Serialize(points);
            }
            var summarized = await bars.BarsAsync(coinKey, found, chosen, window.From, window.To, ct);
            return summarized.Count == 0 ? null : Serialize(summarized, shape.Ohlc);
        });
        return body is null
            ? NotFound("No prices in the window",
                $"'{stockId}' has no {found.Code} prices between {window.From:O} and {window.To:O}.")
            : new JsonBytes(body);
    }

    private static async Task<Results<JsonBytes, ProblemHttpResult>> VolatilityRankAsync(
        [FromRoute(Name = "stock_id")] string stockId, string currency, string? measure,
        StockLookup lookup, VolatilityStore volatility, ServedDataCache cache, CancellationToken ct)
    {
        var chosen = (measure ?? LogReturn) switch
        {
            LogReturn => VolatilityMeasure.LogReturnStddev,
            Price => VolatilityMeasure.PriceStddev,
            _ => (VolatilityMeasure?)null,
        };
        if (chosen is null)
            return BadRequest("Unknown measure", $"'measure' must be {LogReturn} or {Price}, not '{measure}'.");
        var (coinKey, found, problem) = await ResolveAsync(stockId, currency, lookup, ct);
        if (problem is not null)
            return problem;

        var body = await cache.GetOrCreateAsync(("rank", coinKey, found!.CurrencyKey, chosen.Value), async () =>
            await volatility.FindAsync(coinKey, found.CurrencyKey, chosen.Value, ct) is { } rank
                ? JsonSerializer.SerializeToUtf8Bytes(new VolatilityRankResponse(rank.Rank, rank.OutOf, measure ?? LogReturn, rank.Volatility, rank.AsOf))
                : null);
        return body is null
            ? NotFound("Too little data to rank",
                $"'{stockId}' had too few {found.Code} prices in the 24 hours up to the last completed cycle to be ranked by {measure ?? LogReturn} " +
                $"(at least {(chosen == VolatilityMeasure.PriceStddev ? "2 prices" : "3 positive prices")}).")
            : new JsonBytes(body);
    }

    private static async Task<(int CoinKey, Currency? Currency, ProblemHttpResult? Problem)> ResolveAsync(
        string stockId, string currency, StockLookup lookup, CancellationToken ct)
    {
        if (await lookup.CoinKeyAsync(stockId, ct) is not { } coinKey)
            return (0, null, NotFound("Unknown coin", $"No coin has the CoinGecko id '{stockId}'; GET /stock lists the ids with prices."));
        if (await lookup.CurrencyAsync(currency, ct) is not { } found)
            return (0, null, NotFound("Unknown currency", $"'{currency}' is not a CoinGecko vs-currency this service stores (e.g. usd, eur, btc)."));
        return (coinKey, found, null);
    }

    private static byte[] Serialize(IReadOnlyList<PricePoint> points)
    {
        var buffer = new ArrayBufferWriter<byte>(points.Count * 32 + 2);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var point in points)
            {
                json.WriteStartArray();
                json.WriteNumberValue(point.UnixSeconds);
                json.WriteNumberValue(point.Price);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Serialize(IReadOnlyList<PriceBar> bars, bool ohlc)
    {
        var buffer = new ArrayBufferWriter<byte>(bars.Count * (ohlc ? 120 : 32) + 2);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var bar in bars)
            {
                json.WriteStartArray();
                json.WriteNumberValue(bar.UnixSeconds);
                if (ohlc)
                {
                    json.WriteNumberValue(bar.Open);
                    json.WriteNumberValue(bar.High);
                    json.WriteNumberValue(bar.Low);
                    json.WriteNumberValue(bar.Close);
                }
                json.WriteNumberValue(bar.Mean);
                if (ohlc)
                    json.WriteNumberValue(bar.Count);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);
}
