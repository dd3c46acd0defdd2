using Btc.Data.Polling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Btc.Api.Cycles;

/// <summary>What the worker's poll cycles did: how many coins, rows and CoinGecko calls each took.</summary>
public static class CycleEndpoints
{
    public static IEndpointRouteBuilder MapCycles(this IEndpointRouteBuilder app)
    {
        app.MapGet("/cycles", RecentAsync)
            .WithTags("Cycles")
            .WithName("ListCycles")
            .WithSummary("The most recent poll cycles, newest first (count: 1 to 1440, default 10).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<PollCycle>>,
        ProblemHttpResult>> RecentAsync(PollCycleStore cycles, CancellationToken ct, int count = 10)
    {
        if (count is < 1 or > 1440)
            return TypedResults.Problem(
                $"'count' must be between 1 and 1440, not {count}.", statusCode: 400, title: "Count out of range");
        return TypedResults.Ok(await cycles.RecentAsync(count, ct));
    }
}
