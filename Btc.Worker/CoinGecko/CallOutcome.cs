namespace Btc.Worker.CoinGecko;

/// <summary>
/// How a CoinGecko call ended, as a value: the answer, or why there is none and when to try again.
/// <see cref="Calls"/> counts the attempts the budget granted (each charged to the call's purpose).
/// </summary>
public abstract record CallOutcome<T>(int Calls)
{
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
