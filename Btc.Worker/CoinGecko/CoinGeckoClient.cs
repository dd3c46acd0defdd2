using System.Diagnostics;
using System.Net;
using Btc.Data.Budget;
using Btc.Data.Coins;
using Btc.Hosting.Telemetry;
using Microsoft.Extensions.Options;
using Refit;

namespace Btc.Worker.CoinGecko;

/// <summary>
/// CoinGecko as the jobs call it: each call says what it is for, and comes back as a <see cref="CallOutcome{T}"/>.
/// Every attempt is decided here, in order: the circuit (is CoinGecko down?), the shared budget (charged to the
/// call's purpose when it grants), the request, then what its answer means — retried (an outage, twice, with a short
/// backoff), waited out (a spent budget or a 429, up to <see cref="MaxWait"/>, never for gap filling) or returned.
/// </summary>
public sealed class CoinGeckoClient(
    ICoinGeckoApi api,
    CallBudget budget,
    CoinGeckoCircuit circuit,
    IOptions<CoinGeckoOptions> options,
    BtcMetrics metrics,
    TimeProvider clock)
{
    private const int MaxAttempts = 3;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    // Longer waits give the worker thread back: a page job is scheduled again for then.
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(50);

    public Task<CallOutcome<List<CoinListEntry>>> GetCoinListAsync(int cycleId, CancellationToken ct) =>
        CallAsync(CallPurpose.CoinList(cycleId), api.GetCoinListAsync, ct);

    public Task<CallOutcome<PriceQuotes>> GetPricesAsync(
        int cycleId, int pageNo, IReadOnlyList<string> ids, IReadOnlyList<string> currencies, CancellationToken ct) =>
        CallAsync(CallPurpose.Page(cycleId, pageNo), c => api.GetPricesAsync(ids, currencies, c), ct);

    public Task<CallOutcome<List<string>>> GetSupportedVsCurrenciesAsync(CancellationToken ct) =>
        CallAsync(CallPurpose.Chore(), api.GetSupportedVsCurrenciesAsync, ct);

    /// <summary>
    /// One fill task's history, asked with <paramref name="limits"/> (what the cycles leave filling).
    /// </summary>
    public Task<CallOutcome<MarketChart>> GetMarketChartRangeAsync(
        CallLimits limits, string coinId, string currency, DateTime from, DateTime until, CancellationToken ct) =>
        CallAsync(CallPurpose.Fill(limits), c => api.GetMarketChartRangeAsync(coinId, currency,
            new DateTimeOffset(from).ToUnixTimeSeconds(), new DateTimeOffset(until).ToUnixTimeSeconds(), c), ct);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private async Task<CallOutcome<T>> CallAsync<T>(
        CallPurpose purpose, Func<CancellationToken, Task<IApiResponse<T>>> send, CancellationToken ct)
    {
        var call = new CallProgress();
        while (true)
        {
            if (!circuit.TryPass(out var pausedUntil, out var probe))
                return new CallOutcome<T>.Paused(pausedUntil, call.Calls);
            CallOutcome<T>? outcome;
            try
            {
                outcome = await TryOnceAsync(purpose, send, call, ct);
            }
            finally
            {
                // A probe that made no attempt (the budget refused it, or the job stopped) lets the next one go.
                circuit.Release(probe);
            }
            if (outcome is not null)
                return outcome;
        }
    }

    /// <summary>One pass: a call from the budget and an attempt; the outcome, or null to go round again.</summary>
    private async Task<CallOutcome<T>?> TryOnceAsync<T>(CallPurpose purpose,
        Func<CancellationToken, Task<IApiResponse<T>>> send, CallProgress call, CancellationToken ct)
    {
        var calledAt = Now;
        var decision = await budget.TryTakeAsync(LimitsFor(purpose), purpose.ChargedTo, calledAt, ct);
        if (decision.RetryAt is { } retryAt)
            return await TryWaitAsync(purpose, retryAt, call, ct)
                ? null : new CallOutcome<T>.BudgetRefused(retryAt, call.Calls);
        call.Calls++;
        var attempt = await AttemptAsync(send, purpose, ct);
        circuit.Record(failed: attempt is Attempt<T>.Outage);
        if (attempt is Attempt<T>.Answer answer)
            return new CallOutcome<T>.Answered(answer.Value, call.Calls);
        // CoinGecko counts only successful calls against the month.
        if (attempt is Attempt<T>.RateLimit or Attempt<T>.Outage { Counted: false }
            or Attempt<T>.Refusal { Counted: false })
            await budget.GiveBackAsync(calledAt, CancellationToken.None);
        switch (attempt)
        {
            case Attempt<T>.RateLimit limit:
                await budget.BlockUntilAsync(limit.Until, CancellationToken.None);
                return await TryWaitAsync(purpose, limit.Until, call, ct)
                    ? null : new CallOutcome<T>.RateLimited(limit.Until, call.Calls);
            case Attempt<T>.Outage outage when ++call.Outages >= MaxAttempts:
                return new CallOutcome<T>.Failed($"{outage.Reason} ({call.Outages} attempts)", true, call.Calls);
            case Attempt<T>.Outage:
                await Task.Delay(Backoff(call.Outages), clock, ct);
                return null;
            case Attempt<T>.Refusal refusal:
                return new CallOutcome<T>.Failed(refusal.Reason, false, call.Calls);
            default:
                throw new UnreachableException($"Unknown attempt {attempt}");
        }
    }

    /// <summary>What one call has spent so far: attempts granted, outages met, time waited for calls.</summary>
    private sealed class CallProgress
    {
        public int Calls { get; set; }
        public int Outages { get; set; }
        public TimeSpan Waited { get; set; }
    }

    private CallLimits LimitsFor(CallPurpose purpose) =>
        purpose.FillLimits
        ?? new CallLimits(options.Value.EffectiveCallsPerMinute, options.Value.EffectiveCallsPerMonth);

    /// <summary>
    /// Waits until <paramref name="retryAt"/> when the purpose may wait and the call's waits stay short; whether it
    /// waited.
    /// </summary>
    private async Task<bool> TryWaitAsync(
        CallPurpose purpose, DateTime retryAt, CallProgress call, CancellationToken ct)
    {
        var wait = TimeSpan.FromTicks(Math.Max((retryAt - Now).Ticks, MinimumWait.Ticks));
        if (!purpose.MayWait || call.Waited + wait > MaxWait)
            return false;
        await Task.Delay(wait, clock, ct);
        call.Waited += wait;
        return true;
    }

    // 0.5 s, then 1 s, each with up to half as much again at random so replicas do not retry in step.
    private static TimeSpan Backoff(int outages) =>
        FirstBackoff * Math.Pow(2, outages - 1) * (1 + Random.Shared.NextDouble() / 2);

    /// <summary>One request under the attempt timeout, counted in the metrics and classified.</summary>
    private async Task<Attempt<T>> AttemptAsync<T>(
        Func<CancellationToken, Task<IApiResponse<T>>> send, CallPurpose purpose, CancellationToken ct)
    {
        var timeoutAfter = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        using var timeout = new CancellationTokenSource(timeoutAfter, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        Attempt<T> attempt;
        try
        {
            using var response = await send(linked.Token);
            attempt = TransportFailure<T>(response.Error?.InnerException, timeoutAfter, ct) ?? Classify(response);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            attempt = NoAnswer<T>(timeoutAfter);
        }
        metrics.CoinGeckoCalls.Add(1, new KeyValuePair<string, object?>("status", StatusLabel(attempt)),
            new KeyValuePair<string, object?>("purpose", purpose.Metric));
        return attempt;
    }

    /// <summary>
    /// Refit hands back a refused connection, or a body cut off or timed out while read, in the response's Error
    /// rather than as an exception: each is an outage, except the job itself stopping, which stops the call.
    /// </summary>
    private static Attempt<T>? TransportFailure<T>(Exception? error, TimeSpan timeoutAfter, CancellationToken ct)
    {
        switch (error)
        {
            case OperationCanceledException:
                ct.ThrowIfCancellationRequested();
                return NoAnswer<T>(timeoutAfter);
            case HttpRequestException or IOException:
                return new Attempt<T>.Outage(error.Message, Counted: true);
            default:
                return null;
        }
    }

    private static Attempt<T> NoAnswer<T>(TimeSpan timeoutAfter) =>
        new Attempt<T>.Outage($"no answer within {timeoutAfter.TotalSeconds:0} s", Counted: true);

    private Attempt<T> Classify<T>(IApiResponse<T> response)
    {
        var status = $"HTTP {(int?)response.StatusCode} ({response.StatusCode})";
        return response switch
        {
            { IsSuccessStatusCode: true, Error: null, Content: { } value } => new Attempt<T>.Answer(value),
            { StatusCode: null } => new Attempt<T>.Outage(response.Error?.Message ?? "no answer", Counted: true),
            { IsSuccessStatusCode: true } => new Attempt<T>.Refusal(
                $"not CoinGecko's JSON: {response.Error?.InnerException?.Message ?? response.Error?.Message ?? "null"}",
                Counted: true),
            { StatusCode: HttpStatusCode.TooManyRequests } =>
                new Attempt<T>.RateLimit(RetryAfter(response) ?? NextMinute()),
            { StatusCode: >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout } =>
                new Attempt<T>.Outage(status, Counted: false),
            _ => new Attempt<T>.Refusal(status, Counted: false),
        };
    }

    private static string StatusLabel<T>(Attempt<T> attempt) => attempt switch
    {
        Attempt<T>.Answer => "ok",
        Attempt<T>.Refusal { Counted: true } => "ok",
        Attempt<T>.RateLimit => "rate_limited",
        Attempt<T>.Outage { Counted: false } => "server_error",
        Attempt<T>.Outage => "failed",
        _ => "client_error",
    };

    // CoinGecko does not document Retry-After, but its CDN has been seen to send it.
    private DateTime? RetryAfter(IApiResponse response) => response.Headers?.RetryAfter switch
    {
        { Delta: { } delta } => Now + delta,
        { Date: { } date } => date.UtcDateTime,
        _ => null,
    };

    private DateTime NextMinute()
    {
        var now = Now;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc).AddMinutes(1);
    }
}
