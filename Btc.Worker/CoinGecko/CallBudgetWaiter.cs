namespace Btc.Worker.CoinGecko;

/// <summary>
/// Outside the retry policy and its timeouts: when the shared budget is spent or CoinGecko said 429, waits until
/// calls resume and sends again. Longer waits than <see cref="MaxWait"/> give the worker thread back instead:
/// the exception reaches the job, and a page job is scheduled again for then. Gap filling never waits: what the
/// cycles leave it may come later or not at all.
/// </summary>
public sealed class CallBudgetWaiter(TimeProvider clock) : DelegatingHandler
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(90);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            try
            {
                return await base.SendAsync(request, ct);
            }
            catch (CoinGeckoRateLimitedException limited) when (CallAttribution.Filling is null && limited.RetryAt - clock.GetUtcNow().UtcDateTime + waited <= MaxWait)
            {
                var wait = limited.RetryAt - clock.GetUtcNow().UtcDateTime;
                if (wait < TimeSpan.FromMilliseconds(50))
                    wait = TimeSpan.FromMilliseconds(50);
                await Task.Delay(wait, clock, ct);
                waited += wait;
            }
        }
    }
}
