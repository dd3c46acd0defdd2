using Microsoft.Extensions.Options;

namespace Btc.Worker.CoinGecko;

/// <summary>
/// The CoinGecko client's circuit in this process. When at least <see cref="MinimumThroughput"/> attempts in the last
/// two attempt timeouts failed half the time or more, CoinGecko is taken to be down: no calls for
/// <see cref="BreakDuration"/>, then one probe call; its success closes the circuit, its failure opens it again. Said
/// once in the log each way. A 429 or a refused request is not an outage and counts as an answer here.
/// </summary>
public sealed class CoinGeckoCircuit(
    IOptions<CoinGeckoOptions> options, TimeProvider clock, ILogger<CoinGeckoCircuit> log)
{
    private const int MinimumThroughput = 5;
    private const double FailureRatio = 0.5;

    private readonly Lock _gate = new();
    private readonly Queue<(DateTime At, bool Failed)> _recent = new();
    private bool _open;
    private DateTime _pausedUntil = DateTime.MinValue;
    // The probe out after a break: which one (each gets a new number), and until when it may stay unanswered.
    private long _probes;
    private (long Id, DateTime Until)? _probe;

    private TimeSpan AttemptTimeout => TimeSpan.FromSeconds(options.Value.TimeoutSeconds);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Whether calls are paused right now (open, its break not yet over).</summary>
    public bool IsOpen
    {
        get { lock (_gate) return _open && Now < _pausedUntil; }
    }

    /// <summary>When the last break ends (or ended).</summary>
    public DateTime ClosesAt
    {
        get { lock (_gate) return _pausedUntil; }
    }

    /// <summary>
    /// Whether an attempt may go out now; when not, until when calls are paused. After a break one attempt at a time
    /// goes out as the probe (<paramref name="probe"/> set; another is let through only when a probe never reported
    /// back).
    /// </summary>
    public bool TryPass(out DateTime pausedUntil, out long? probe)
    {
        lock (_gate)
        {
            pausedUntil = _pausedUntil;
            probe = null;
            var now = Now;
            if (!_open)
                return true;
            if (now < _pausedUntil)
                return false;
            if (_probe is { } probing && now < probing.Until)
            {
                pausedUntil = now;
                return false;
            }
            _probe = (++_probes, now + 2 * AttemptTimeout);
            probe = _probes;
            return true;
        }
    }

    /// <summary>
    /// Lets another call be the probe when <paramref name="probe"/> (from <see cref="TryPass"/>) is still the one out,
    /// unanswered: its call made no attempt. A probe that was answered, or no probe, changes nothing.
    /// </summary>
    public void Release(long? probe)
    {
        lock (_gate)
        {
            if (probe is not null && _probe?.Id == probe)
                _probe = null;
        }
    }

    /// <summary>An attempt's outcome: <paramref name="failed"/> when CoinGecko was down, slow or unreachable.</summary>
    public void Record(bool failed)
    {
        lock (_gate)
        {
            if (_open)
            {
                // Only the probe's answer counts: attempts that went out before the circuit opened say nothing new.
                if (_probe is not null)
                    ProbeAnswered(failed);
                return;
            }
            var now = Now;
            _recent.Enqueue((now, failed));
            while (_recent.Peek().At < now - 2 * AttemptTimeout)
                _recent.Dequeue();
            if (_recent.Count >= MinimumThroughput && _recent.Count(a => a.Failed) >= FailureRatio * _recent.Count)
                Open($"{_recent.Count(a => a.Failed)} of the last {_recent.Count} attempts failed");
        }
    }

    private void ProbeAnswered(bool failed)
    {
        _probe = null;
        if (failed)
        {
            Open("the probe call failed");
            return;
        }
        _open = false;
        log.LogInformation("CoinGecko answers again");
    }

    private void Open(string reason)
    {
        var pause = BreakDuration(AttemptTimeout);
        _open = true;
        _pausedUntil = Now + pause;
        _recent.Clear();
        log.LogWarning("CoinGecko is failing ({Reason}): no calls for {Seconds:0} s", reason, pause.TotalSeconds);
    }

    /// <summary>
    /// A few attempt timeouts, and never more than half a minute, so that the next minute's cycle finds the circuit
    /// ready to try CoinGecko again.
    /// </summary>
    public static TimeSpan BreakDuration(TimeSpan attemptTimeout) =>
        TimeSpan.FromTicks(Math.Min(attemptTimeout.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));
}
