using Btc.Hosting.Telemetry;
using System.Net;
using Btc.Data.Polling;
using Microsoft.Extensions.Options;
using Btc.Data.Budget;

namespace Btc.Worker.CoinGecko;

/// <summary>
/// Sits inside the retry policy, so every attempt takes a call from the budgets all replicas share (the minute's and
/// the month's; a call CoinGecko refuses is given back to the month), and a 429 stops every replica until its
/// Retry-After. It never waits: a spent budget is a <see cref="CoinGeckoRateLimitedException"/>, which
/// <see cref="CallBudgetWaiter"/> outside the policy's timeouts turns into a wait.
/// </summary>
public sealed class CallBudgetHandler(CallBudget budget, IOptions<CoinGeckoOptions> options, BtcMetrics metrics, TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var fill = CallAttribution.Filling;
        var limits = fill?.Limits ?? new CallLimits(options.Value.EffectiveCallsPerMinute, options.Value.EffectiveCallsPerMonth);
        var calledAt = clock.GetUtcNow().UtcDateTime;
        var (granted, retryAt) = await budget.TryTakeAsync(limits, CallAttribution.Current, calledAt, ct);
        if (!granted)
            throw new CoinGeckoRateLimitedException(retryAt ?? calledAt.AddSeconds(1));
        fill?.Count();

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Count("failed", fill);
            throw;
        }
        Count(response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests => "rate_limited",
            >= HttpStatusCode.InternalServerError => "server_error",
            >= HttpStatusCode.BadRequest => "client_error",
            _ => "ok",
        }, fill);
        if (response.IsSuccessStatusCode)
            return response;
        // CoinGecko counts only successful calls against the month.
        await budget.GiveBackAsync(calledAt, CancellationToken.None);
        if (response.StatusCode != HttpStatusCode.TooManyRequests)
            return response;

        var until = RetryAfter(response) ?? NextMinute();
        await budget.BlockUntilAsync(until, CancellationToken.None);
        response.Dispose();
        throw new CoinGeckoRateLimitedException(until);
    }

    private void Count(string status, FillCalls? fill) => metrics.CoinGeckoCalls.Add(1,
        new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("purpose", fill is null ? "poll" : "fill"));

    // CoinGecko does not document Retry-After, but its CDN has been seen to send it.
    private DateTime? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => clock.GetUtcNow().UtcDateTime + delta,
        { Date: { } date } => date.UtcDateTime,
        _ => null,
    };

    private DateTime NextMinute()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc).AddMinutes(1);
    }
}
