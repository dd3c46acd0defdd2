using System.ComponentModel;
using Btc.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Btc.Api.Coins;

/// <summary>Finding a coin by what a person remembers of it: its id, its symbol or its name.</summary>
public static class CoinEndpoints
{
    public const int MaxSearchLength = 100;
    public const int DefaultLimit = 10;
    public const int MaxLimit = 50;

    private const string Summary =
        "Coins with prices in the last 24 hours (those GET /stock lists) whose id, symbol or name matches the search.";

    private const string Description =
        "Case does not matter. Best first: exact id, exact symbol, name prefix, id prefix, symbol prefix, then a " +
        "word of the name after its first ('cash' finds 'Bitcoin Cash'); within each, code-point order of id. " +
        "Answers [{\"id\", \"symbol\", \"name\"}, …], an empty array when nothing matches.";

    private const string SearchHelp = "What to look for: 1 to 100 characters (spaces around it ignored).";
    private const string LimitHelp = "How many coins at most: 1 to 50, 10 by default.";

    public static IEndpointRouteBuilder MapCoins(this IEndpointRouteBuilder app)
    {
        app.MapGet("/coins", SearchAsync)
            .WithTags("Coins")
            .WithName("SearchCoins")
            .WithSummary(Summary)
            .WithDescription(Description)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Results<Ok<CoinMatch[]>, ProblemHttpResult>> SearchAsync(
        [Description(SearchHelp)] string? search, [Description(LimitHelp)] string? limit, CoinSearch coins,
        CancellationToken ct)
    {
        var text = search?.Trim() ?? "";
        if (text.Length == 0)
            return Problems.BadRequest(
                "Missing search", "'search' must hold what to look for (an id, symbol or name).");
        if (text.Length > MaxSearchLength)
            return Problems.BadRequest("Search too long",
                $"'search' must be at most {MaxSearchLength} characters, not {text.Length}.");
        var (count, problem) = QueryLimit.Parse(limit, DefaultLimit, MaxLimit);
        if (problem is not null)
            return problem;
        var found = await coins.FindAsync(text, count, ct);
        return TypedResults.Ok(found.Select(c => new CoinMatch(c.Id, c.Symbol, c.Name)).ToArray());
    }
}
