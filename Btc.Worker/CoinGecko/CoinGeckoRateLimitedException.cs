namespace Btc.Worker.CoinGecko;

/// <summary>CoinGecko refused a call (429), or the shared budget is spent for longer than a job should wait.</summary>
public sealed class CoinGeckoRateLimitedException(DateTime retryAt)
    : Exception($"CoinGecko's rate limit is reached; calls resume at {retryAt:O}.")
{
    public DateTime RetryAt { get; } = retryAt;
}
