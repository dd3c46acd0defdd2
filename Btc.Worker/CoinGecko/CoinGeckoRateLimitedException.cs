namespace Btc.Worker.CoinGecko;

/// <summary>CoinGecko refused a call (429), or the shared budget is spent for longer than a job should wait.</summary>
public sealed class CoinGeckoRateLimitedException(DateTime retryAt)
    : Exception($"CoinGecko's rate limit is reached; calls resume at {retryAt:O}.")
{
    public DateTime RetryAt { get; } = retryAt;

    /// <summary>The rate limit behind <paramref name="e"/>, which Refit may have wrapped.</summary>
    public static CoinGeckoRateLimitedException? Find(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is CoinGeckoRateLimitedException limited)
                return limited;
        }
        return null;
    }
}
