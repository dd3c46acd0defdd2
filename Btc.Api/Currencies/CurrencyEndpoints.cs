using Btc.Api.Stocks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Btc.Api.Currencies;

/// <summary>The vs-currencies prices are stored in: what a currency picker offers.</summary>
public static class CurrencyEndpoints
{
    public static IEndpointRouteBuilder MapCurrencies(this IEndpointRouteBuilder app)
    {
        app.MapGet("/currencies", ListAsync)
            .WithTags("Stocks")
            .WithName("ListCurrencies")
            .WithSummary(
                "The vs-currency codes this service stores prices in, lowercase, in code-point order: each may be " +
                "asked of /stock/{stock_id}/{currency} and /volatility (a coin may still have no prices in one).");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<string>>> ListAsync(StockLookup lookup, CancellationToken ct) =>
        TypedResults.Ok(await lookup.CurrencyCodesAsync(ct));
}
