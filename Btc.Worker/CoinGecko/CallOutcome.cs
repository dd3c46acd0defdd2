namespace Btc.Worker.CoinGecko;

/// <summary>
/// How a CoinGecko call ended, as a value: the answer, or why there is none and when to try again.
/// <see cref="Calls"/> counts the attempts the budget granted (each charged to the call's purpose).
/// </summary>
public abstract record CallOutcome<T>(int Calls)
{
    /// <summary>The outcome in words, for a cycle's, page's or job's error.</summary>
    public string Describe() => this switch
    {
        Answered => "answered",
        Failed failed => failed.Reason,
        RateLimited limited => $"CoinGecko's rate limit, until {limited.Until:O}",
        BudgetRefused refused => $"the call budget is spent until {refused.RetryAt:O}",
        Paused paused => $"CoinGecko is failing: no calls until {paused.Until:HH:mm:ss} (the circuit is now open)",
        _ => ToString(),
    };

    /// <summary>CoinGecko answered with JSON of the expected shape.</summary>
    public sealed record Answered(T Value, int Calls) : CallOutcome<T>(Calls);

    /// <summary>CoinGecko said 429: no replica calls it until <see cref="Until"/>.</summary>
    public sealed record RateLimited(DateTime Until, int Calls) : CallOutcome<T>(Calls);

    /// <summary>
    /// The shared budget (the minute's, the month's, or what the cycles leave filling) has no call until then.
    /// </summary>
    public sealed record BudgetRefused(DateTime RetryAt, int Calls) : CallOutcome<T>(Calls);

    /// <summary>
    /// CoinGecko kept failing: this process makes no calls until <see cref="Until"/> (its circuit is open).
    /// </summary>
    public sealed record Paused(DateTime Until, int Calls) : CallOutcome<T>(Calls);

    /// <summary>
    /// The call failed. <see cref="Unavailable"/>: CoinGecko was down, slow or unreachable through every attempt;
    /// otherwise it answered, but refused the request (4xx) or with something that is not its JSON.
    /// </summary>
    public sealed record Failed(string Reason, bool Unavailable, int Calls) : CallOutcome<T>(Calls);
}
