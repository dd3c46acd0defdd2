using System.Buffers;
using Microsoft.Extensions.Options;

namespace CoinGecko.Simulator;

/// <summary>The CoinGecko API v3 endpoints BTC uses, with CoinGecko's limits and the queued faults.</summary>
public static class CoinGeckoEndpoints
{
    public static void MapCoinGecko(this WebApplication app)
    {
        var api = app.MapGroup("/api/v3").AddEndpointFilter(LimitsAndFaults);

        api.MapGet("/ping", () => Results.Json(new { gecko_says = "(V3) To the Moon!" }));

        api.MapGet("/coins/list", (Market market) =>
            Results.Json(market.Coins.Select(c => new { id = c.Id, symbol = c.Symbol, name = c.Name })));

        api.MapGet("/simple/supported_vs_currencies", (Market market) => Results.Json(market.Currencies));

        api.MapGet("/simple/price",
            (string? ids, string? vs_currencies, bool? include_last_updated_at, Market market) =>
        {
            if (string.IsNullOrWhiteSpace(ids) || string.IsNullOrWhiteSpace(vs_currencies))
                return Results.Json(new { error = "Missing parameter ids or vs_currencies" }, statusCode: 400);
            var buffer = new ArrayBufferWriter<byte>();
            market.WritePrices(
                buffer,
                ids.Split(','),
                vs_currencies.Split(',').Select(c => c.Trim().ToLowerInvariant()).ToArray(),
                include_last_updated_at == true);
            return Results.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
        });

        api.MapHistory();
    }

    private const string MonthlyCapMessage = "You've exceeded your monthly API call credits. "
        + "Please visit https://www.coingecko.com/en/api/pricing to upgrade your plan.";

    private const string RateLimitMessage = "You've exceeded the Rate Limit. Please visit "
        + "https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.";

    /// <summary>CoinGecko's 429 body.</summary>
    private static IResult TooManyRequests(string message) =>
        Results.Json(new { status = new { error_code = 429, error_message = message } }, statusCode: 429);

    private static async ValueTask<object?> LimitsAndFaults(
        EndpointFilterInvocationContext context,
        EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<SimulatorOptions>>().Value;
        var path = http.Request.Path.Value ?? "";

        var wait = services.GetRequiredService<CallLog>().Record(path, DateTimeOffset.UtcNow, options.CallsPerMinute);
        if (wait is not null)
            return RateLimited((int)Math.Ceiling(wait.Value.TotalSeconds));

        var fault = services.GetRequiredService<Faults>().Take(path);
        if (options.LatencyMs > 0)
            await Task.Delay(options.LatencyMs, http.RequestAborted);
        if (fault is null && Random.Shared.NextDouble() < options.ErrorRate)
            fault = new Fault(FaultKind.Status);
        if (fault is null && Random.Shared.NextDouble() < options.MalformedRate)
            fault = new Fault(FaultKind.Malformed);

        // The month by the market's clock, as its prices are: a test's frozen clock keeps one month whatever the date.
        if (fault is null or { Kind: FaultKind.Timeout } && !services.GetRequiredService<CallLog>()
                .TryCountInMonth(services.GetRequiredService<Market>().Now, options.CallsPerMonth))
            return TooManyRequests(MonthlyCapMessage);

        switch (fault?.Kind)
        {
            case FaultKind.Status:
                return Results.Json(new { error = "simulated failure" }, statusCode: fault.Status);
            case FaultKind.RateLimit:
                return RateLimited(fault.RetryAfterSeconds);
            case FaultKind.Timeout:
                await Task.Delay(fault.DelayMs, http.RequestAborted);
                break;
            case FaultKind.Malformed:
                return Results.Text("{\"bitcoin\": {\"usd\": 6718", "application/json");
            case FaultKind.Body:
                var body = fault.Body ?? "";
                return Results.Text(body, body.TrimStart().StartsWith('<') ? "text/html" : "application/json");
        }
        return await next(context);

        IResult RateLimited(int? retryAfterSeconds)
        {
            if (retryAfterSeconds is { } seconds)
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TooManyRequests(RateLimitMessage);
        }
    }
}
