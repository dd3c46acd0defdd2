namespace Btc.Worker.CoinGecko;

/// <summary>
/// Outside the retry policy and its timeouts: when the shared budget is spent or CoinGecko said 429, waits until
/// calls resume and sends again. Longer waits than <see cref="MaxWait"/> give the worker thread back instead:
/// the exception reaches the job, and a page job is scheduled again for then.
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
            catch (CoinGeckoRateLimitedException limited) when (limited.RetryAt - clock.GetUtcNow().UtcDateTime + waited <= MaxWait)
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
