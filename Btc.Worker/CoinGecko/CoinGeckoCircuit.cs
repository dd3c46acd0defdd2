namespace Btc.Worker.CoinGecko;

/// <summary>
/// The CoinGecko client's circuit in this process: open while CoinGecko is down, so that the rest of the minute's
/// pages fail at once instead of spending calls the next minute's cycle will make anyway.
/// </summary>
public sealed class CoinGeckoCircuit(TimeProvider clock)
{
    private long _closedAtTicks;

    /// <summary>True while no call may go out (Polly's own state stays Open until the next call after the break).</summary>
    public bool IsOpen => clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _closedAtTicks);

    public void Opened(TimeSpan breakDuration) => Interlocked.Exchange(ref _closedAtTicks, (clock.GetUtcNow() + breakDuration).UtcTicks);

    /// <summary>
    /// A few attempt timeouts, and never more than half a minute, so that the next minute's cycle finds the circuit
    /// ready to try CoinGecko again.
    /// </summary>
    public static TimeSpan BreakDuration(TimeSpan attemptTimeout) =>
        TimeSpan.FromTicks(Math.Min(attemptTimeout.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));
}
