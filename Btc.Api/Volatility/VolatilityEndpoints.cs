using System.ComponentModel;
using System.Text.Json;
using Btc.Api.Hosting;
using Btc.Api.Stocks;
using Btc.Data.Volatility;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Btc.Api.Volatility;

/// <summary>The most (or least) volatile coins of a currency, from the ranks recomputed every cycle.</summary>
public static class VolatilityEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    private const string Summary =
        "The most (order=desc) or least (order=asc) volatile coins in a currency over the 24 hours up to the last " +
        "completed poll cycle (as_of), with their ranks (1: the most volatile; ties share a rank, in id order).";

    private const string Description =
        $"measure: {MeasureNames.LogReturn} (default, standard deviation of log returns) or {MeasureNames.Price} " +
        "(standard deviation of the price). out_of is how many coins the currency ranks. Before the first ranks " +
        "(a new install's first cycle), or in a currency with too few prices to rank any coin, coins is empty, " +
        "as_of null and out_of 0.";

    private const string CurrencyHelp = "A vs-currency code (GET /currencies); usd by default.";
    private const string MeasureHelp = $"{MeasureNames.LogReturn} (default) or {MeasureNames.Price}.";
    private const string OrderHelp = "desc (default): the most volatile first; asc: the least volatile first.";
    private const string LimitHelp = "How many coins at most: 1 to 500, 50 by default.";

    public static IEndpointRouteBuilder MapVolatility(this IEndpointRouteBuilder app)
    {
        app.MapGet("/volatility", BoardAsync)
            .WithTags("Volatility")
            .WithName("GetVolatilityBoard")
            .WithSummary(Summary)
            .WithDescription(Description)
            .Produces<VolatilityBoardResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<JsonBytes, ProblemHttpResult>> BoardAsync(
        [Description(CurrencyHelp)] string? currency, [Description(MeasureHelp)] string? measure,
        [Description(OrderHelp)] string? order, [Description(LimitHelp)] string? limit,
        StockLookup lookup, VolatilityStore volatility, ServedDataCache cache, CancellationToken ct)
    {
        var (chosen, unknownMeasure) = MeasureNames.Parse(measure);
        if (unknownMeasure is not null)
            return unknownMeasure;
        if (order is not (null or "desc" or "asc"))
            return Problems.BadRequest("Unknown order", $"'order' must be desc or asc, not '{order}'.");
        var (count, badLimit) = QueryLimit.Parse(limit, DefaultLimit, MaxLimit);
        if (badLimit is not null)
            return badLimit;
        if (await lookup.CurrencyAsync(currency ?? "usd", ct) is not { } found)
            return Problems.UnknownCurrency(currency!);

        var mostFirst = order != "asc";
        var body = await cache.GetOrCreateAsync(("volatility", found.CurrencyKey, chosen, mostFirst, count), async () =>
        {
            var board = await volatility.BoardAsync(found.CurrencyKey, chosen, mostFirst, count, ct);
            return JsonSerializer.SerializeToUtf8Bytes(new VolatilityBoardResponse(
                found.Code, MeasureNames.Of(chosen), mostFirst ? "desc" : "asc", board.AsOf, board.OutOf,
                board.Coins.Select(c => new VolatilityBoardCoin(c.Rank, c.Id, c.Symbol, c.Name, c.Volatility))
                    .ToArray()));
        });
        return new JsonBytes(body!);
    }
}
