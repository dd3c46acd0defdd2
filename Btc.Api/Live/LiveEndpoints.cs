using System.ComponentModel;
using System.Globalization;
using System.Net.ServerSentEvents;
using Btc.Api.Access;
using Btc.Api.Hosting;
using Btc.Api.Stocks;
using Btc.Data.Live;
using Btc.Hosting.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Btc.Api.Live;

/// <summary>
/// The live streams (Server-Sent Events): a coin's new prices in a currency, and one event per committed page for
/// many coins. Keys and the rate limit apply when a stream opens; the streams are exempt from the request deadline.
/// </summary>
public static class LiveEndpoints
{
    private const string LastEventId = "Last-Event-ID";

    private const string CoinDescription =
        "Server-Sent Events: each new polled price of the coin in the currency, within a second of its page's " +
        "commit, as an event with id its unix seconds and data [unix_seconds, price], as in the series. A client " +
        "that reconnects with Last-Event-ID (or asks since=unix seconds) first gets every polled point after it " +
        "from storage, then the live ones: no gap, no duplicate. Points filled later from CoinGecko's history are " +
        "not pushed. A comment every 15 s keeps proxies from closing an idle stream. A stream the server ends (it " +
        "stops, or the client fell behind) ends with an event of type 'end' and a retry hint. At most " +
        "Api__MaxStreamsPerClient streams per client across the replicas (429) and Api__MaxStreams per process " +
        "(503), both with Retry-After. With keys required, send X-Api-Key (a browser's EventSource cannot: read the " +
        "stream with fetch); a key never goes in the URL.";

    private const string MarketDescription =
        "Server-Sent Events: one event per committed page of the poll cycles, id its position on the commit cursor, " +
        "data {\"prices\": {\"coin id\": [unix_seconds, price], …}} with each coin's own time, for the coins asked " +
        "(all tracked coins without 'coins') that have a price in the currency. Resumable with Last-Event-ID as far " +
        "back as the minute samples are kept. Points filled later for past minutes (gap filling) are not pushed. " +
        "Keep-alive comments, the end event, the caps and keys as for /stock/{stock_id}/{currency}/live.";

    private const string SinceHelp = "Unix seconds: start after this point (Last-Event-ID, when sent, wins).";
    private const string CoinsHelp = "Comma-separated CoinGecko ids; all tracked coins when absent.";

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app)
    {
        var live = app.MapGroup("");
        live.WithTags("Live").DisableRequestTimeout();
        live.MapGet("/stock/{stock_id}/{currency}/live", CoinAsync)
            .WithName("GetLivePrices")
            .WithSummary("A coin's new prices in a currency, pushed as they are stored (Server-Sent Events).")
            .WithDescription(CoinDescription)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        live.MapGet("/live", MarketAsync)
            .WithName("GetLiveMarket")
            .WithSummary("Many coins' new prices in a currency, one event per committed page (Server-Sent Events).")
            .WithDescription(MarketDescription)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> CoinAsync(
        [FromRoute(Name = "stock_id")] string stockId, string currency, [Description(SinceHelp)] string? since,
        HttpContext http, StockLookup lookup, LiveStreams streams, LiveFeed feed, StreamLimits limits,
        BtcMetrics metrics, CancellationToken ct)
    {
        var (after, malformed) = ResumePoint(http, since);
        if (malformed is not null)
            return malformed;
        var (coinKey, found, problem) = await StockEndpoints.ResolveAsync(stockId, currency, lookup, ct);
        if (problem is not null)
            return problem;
        var minutesFrom = (await lookup.TiersAsync(ct)).MinutesFrom;
        if (after is { } a && DateTime.UnixEpoch.AddSeconds(a) < minutesFrom)
            return BadRequest("Resume point too old",
                $"Minute samples are kept from {minutesFrom:O}; ask for the older ones with GET " +
                $"/stock/{stockId}/{currency}.");
        if (await AdmitAsync(http, feed, limits, metrics, "coin") is { } refused)
            return refused;
        return Stream(http, ct => streams.CoinAsync(http.Response, coinKey, found!, after, ct));
    }

    private static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> MarketAsync(
        string? currency, [Description(CoinsHelp)] string? coins,
        HttpContext http, StockLookup lookup, PriceCommits commits, LiveStreams streams, LiveFeed feed,
        StreamLimits limits, BtcMetrics metrics, CancellationToken ct)
    {
        var (after, malformed) = ResumePoint(http, null);
        if (malformed is not null)
            return malformed;
        if (string.IsNullOrWhiteSpace(currency))
            return BadRequest("Currency required", "Ask for a currency: /live?currency=usd.");
        if (await lookup.CurrencyAsync(currency, ct) is not { } found)
            return NotFound("Unknown currency",
                $"'{currency}' is not a CoinGecko vs-currency this service stores (e.g. usd, eur, btc).");
        HashSet<int>? coinKeys = null;
        foreach (var id in coins?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                     ?? [])
        {
            if (await lookup.CoinKeyAsync(id, ct) is not { } key)
                return NotFound("Unknown coin",
                    $"No coin has the CoinGecko id '{id}'; GET /stock lists the ids with prices.");
            (coinKeys ??= []).Add(key);
        }
        if (after is { } a && a < (await commits.SpanAsync(ct)).ResumableAfter)
            return BadRequest("Resume point too old",
                $"Position {a} was dropped with the minute samples; reconnect without {LastEventId}.");
        if (await AdmitAsync(http, feed, limits, metrics, "market") is { } refused)
            return refused;
        return Stream(http, ct => streams.MarketAsync(http.Response, found, coinKeys, after, ct));
    }

    /// <summary>Last-Event-ID, else <paramref name="since"/>: a whole number, or a 400.</summary>
    private static (long? After, ProblemHttpResult? Problem) ResumePoint(HttpContext http, string? since)
    {
        var header = http.Request.Headers[LastEventId].ToString();
        var resume = header.Length > 0 ? header : since;
        if (resume is null)
            return (null, null);
        // Ten digits of unix seconds reach the year 2286; a position as many is beyond any cursor.
        return long.TryParse(resume, NumberStyles.None, CultureInfo.InvariantCulture, out var after)
            && after < 10_000_000_000
            ? (after, null)
            : (null, BadRequest("Malformed resume point",
                $"{LastEventId} or 'since' must be the id of an event (a whole number), not '{resume}'."));
    }

    /// <summary>Takes a place for the stream, or says why not (with Retry-After); HEAD takes none.</summary>
    private static async Task<ProblemHttpResult?> AdmitAsync(
        HttpContext http, LiveFeed feed, StreamLimits limits, BtcMetrics metrics, string stream)
    {
        if (!feed.Ready)
            return Refused(http, StatusCodes.Status503ServiceUnavailable, 1, "Live prices starting",
                "The API has not read the commit cursor yet (the database is away or it just started).");
        if (HeadRequests.IsHead(http))
            return null;
        var client = RateLimits.Client(http);
        switch (await limits.TryOpenAsync(client))
        {
            case Admission.ClientAtCap:
                return Refused(http, StatusCodes.Status429TooManyRequests, 10, "Too many streams",
                    "This client has as many live streams open as it may (Api__MaxStreamsPerClient); close one.");
            case Admission.ProcessAtCap:
                return Refused(http, StatusCodes.Status503ServiceUnavailable, 5, "Too many streams",
                    "This API process holds as many live streams as it may (Api__MaxStreams); try another replica.");
        }
        var tag = new KeyValuePair<string, object?>("stream", stream);
        metrics.LiveStreams.Add(1, tag);
        // When the response ends, however it ends (even before its first event).
        http.Response.OnCompleted(() =>
        {
            limits.Close(client);
            metrics.LiveStreams.Add(-1, tag);
            return Task.CompletedTask;
        });
        return null;
    }

    private static ServerSentEventsResult<string> Stream(
        HttpContext http, Func<CancellationToken, IAsyncEnumerable<SseItem<string>>> events)
    {
        // nginx buffers a proxied answer unless told not to.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(HeadRequests.IsHead(http)
            ? AsyncEnumerable.Empty<SseItem<string>>()
            : events(http.RequestAborted));
    }

    private static ProblemHttpResult Refused(HttpContext http, int status, int retryAfter, string title, string detail)
    {
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(detail, statusCode: status, title: title);
    }

    private static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);
}
