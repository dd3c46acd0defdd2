namespace Btc.Worker.CoinGecko;

/// <summary>
/// One HTTP request to CoinGecko, classified: what the client does next depends only on this. <c>Counted</c>: whether
/// CoinGecko counts the call against the month — a 2xx, or no answer at all (it may have seen the request); a 4xx or
/// 5xx answer it does not count, so the budget gives that call back.
/// </summary>
internal abstract record Attempt<T>
{
    /// <summary>A 2xx with JSON of the expected shape.</summary>
    public sealed record Answer(T Value) : Attempt<T>;

    /// <summary>A 429: nobody calls until <see cref="Until"/>.</summary>
    public sealed record RateLimit(DateTime Until) : Attempt<T>;

    /// <summary>Down or slow (5xx, 408, no connection, no answer in time): worth another attempt.</summary>
    public sealed record Outage(string Reason, bool Counted) : Attempt<T>;

    /// <summary>
    /// CoinGecko answered, but refused the request (4xx) or sent what is not its JSON: no use trying again.
    /// </summary>
    public sealed record Refusal(string Reason, bool Counted) : Attempt<T>;
}
