namespace Btc.Worker.CoinGecko;

/// <summary>
/// The record of the CoinGecko client's circuit in this process (Polly opens and closes it): says once in the log
/// when CoinGecko is failing and when it answers again, and whether calls are paused right now — Polly's own state
/// stays Open until the first call after the break, so it cannot tell.
/// </summary>
public sealed class CoinGeckoCircuit(TimeProvider clock, ILogger<CoinGeckoCircuit> log)
{
    private long _pausedUntilTicks;

    public bool IsOpen => clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _pausedUntilTicks);

    /// <summary>When calls may go out again: a page refused by the open circuit is scheduled for then.</summary>
    public DateTime ClosesAt => new(Interlocked.Read(ref _pausedUntilTicks), DateTimeKind.Utc);

    /// <summary>Whether <paramref name="e"/> (which Refit may have wrapped) is the circuit refusing a call: no call was made.</summary>
    public static bool Refused(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Polly.CircuitBreaker.BrokenCircuitException)
                return true;
        }
        return false;
    }

    public void Opened(TimeSpan breakDuration, string reason)
    {
        Interlocked.Exchange(ref _pausedUntilTicks, (clock.GetUtcNow() + breakDuration).UtcTicks);
        log.LogWarning("CoinGecko is failing ({Reason}): no calls for {Seconds:0} s", reason, breakDuration.TotalSeconds);
    }

    public void Closed() => log.LogInformation("CoinGecko answers again");

    /// <summary>
    /// A few attempt timeouts, and never more than half a minute, so that the next minute's cycle finds the circuit
    /// ready to try CoinGecko again.
    /// </summary>
    public static TimeSpan BreakDuration(TimeSpan attemptTimeout) =>
        TimeSpan.FromTicks(Math.Min(attemptTimeout.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));
}
