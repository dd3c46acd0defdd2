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
        var (calls, outages) = (0, 0);
        var waited = TimeSpan.Zero;
        while (true)
        {
            if (!circuit.TryPass(out var pausedUntil))
                return new CallOutcome<T>.Paused(pausedUntil, calls);
            var calledAt = Now;
            var decision = await budget.TryTakeAsync(LimitsFor(purpose), purpose.ChargedTo, calledAt, ct);
            if (decision.RetryAt is { } retryAt)
            {
                if (await TryWaitAsync(purpose, retryAt, waited, ct) is not { } budgetWait)
                    return new CallOutcome<T>.BudgetRefused(retryAt, calls);
                waited += budgetWait;
                continue;
            }
            calls++;
            var attempt = await AttemptAsync(send, purpose, ct);
            circuit.Record(failed: attempt is Attempt<T>.Outage);
            if (attempt is Attempt<T>.Answer answer)
                return new CallOutcome<T>.Answered(answer.Value, calls);
            // CoinGecko counts only successful calls against the month.
            if (attempt is Attempt<T>.RateLimit or Attempt<T>.Outage { Counted: false }
                or Attempt<T>.Refusal { Counted: false })
                await budget.GiveBackAsync(calledAt, CancellationToken.None);
            switch (attempt)
            {
                case Attempt<T>.RateLimit limit:
                    await budget.BlockUntilAsync(limit.Until, CancellationToken.None);
                    if (await TryWaitAsync(purpose, limit.Until, waited, ct) is not { } limitWait)
                        return new CallOutcome<T>.RateLimited(limit.Until, calls);
                    waited += limitWait;
                    break;
                case Attempt<T>.Outage outage when ++outages >= MaxAttempts:
                    return new CallOutcome<T>.Failed($"{outage.Reason} ({outages} attempts)", true, calls);
                case Attempt<T>.Outage:
                    await Task.Delay(Backoff(outages), clock, ct);
                    break;
                case Attempt<T>.Refusal refusal:
                    return new CallOutcome<T>.Failed(refusal.Reason, false, calls);
            }
        }
    }

    private CallLimits LimitsFor(CallPurpose purpose) =>
        purpose.FillLimits
        ?? new CallLimits(options.Value.EffectiveCallsPerMinute, options.Value.EffectiveCallsPerMonth);

    /// <summary>
    /// Waits until <paramref name="retryAt"/> when the purpose may wait and the call's waits stay short; how long it
    /// waited, or null when it did not.
    /// </summary>
    private async Task<TimeSpan?> TryWaitAsync(
        CallPurpose purpose, DateTime retryAt, TimeSpan waited, CancellationToken ct)
    {
        var wait = TimeSpan.FromTicks(Math.Max((retryAt - Now).Ticks, MinimumWait.Ticks));
        if (!purpose.MayWait || waited + wait > MaxWait)
            return null;
        await Task.Delay(wait, clock, ct);
        return wait;
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
            attempt = Classify(response);
        }
        catch (HttpRequestException e)
        {
            attempt = new Attempt<T>.Outage(e.Message, Counted: true);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            attempt = new Attempt<T>.Outage($"no answer within {timeoutAfter.TotalSeconds:0} s", Counted: true);
        }
        metrics.CoinGeckoCalls.Add(1, new KeyValuePair<string, object?>("status", StatusLabel(attempt)),
            new KeyValuePair<string, object?>("purpose", purpose.Metric));
        return attempt;
    }

    private Attempt<T> Classify<T>(IApiResponse<T> response)
    {
        var status = $"HTTP {(int?)response.StatusCode} ({response.StatusCode})";
        return response switch
        {
            { IsSuccessStatusCode: true, Error: null, Content: { } value } => new Attempt<T>.Answer(value),
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
