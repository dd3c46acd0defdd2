using Microsoft.AspNetCore.Http.HttpResults;

namespace Btc.Api.Hosting;

/// <summary>The endpoints' expected refusals as problem details: a title, and a sentence saying what to ask instead.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);

    public static ProblemHttpResult UnknownCurrency(string currency) => NotFound("Unknown currency",
        $"'{currency}' is not a CoinGecko vs-currency this service stores (e.g. usd, eur, btc); GET /currencies " +
        "lists them.");
}
