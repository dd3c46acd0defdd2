namespace CoinGecko.Simulator;

public enum FaultKind { Status, Timeout, Malformed, RateLimit, Body }

/// <summary>
/// A fault to apply to the next <see cref="Count"/> calls of <see cref="Path"/> (any path when null).
/// <see cref="Body"/> answers 200 with exactly that text (HTML when it starts with '&lt;', JSON otherwise).
/// </summary>
public sealed record Fault(
    FaultKind Kind,
    int Count = 1,
    string? Path = null,
    int Status = 500,
    int DelayMs = 30_000,
    int? RetryAfterSeconds = 2,
    string? Body = null);

/// <summary>The faults queued by tests, consumed one call at a time.</summary>
public sealed class Faults
{
    private readonly Lock _lock = new();
    private readonly List<Fault> _queue = [];

    public void Add(Fault fault)
    {
        lock (_lock)
            _queue.Add(fault);
    }

    public void Clear()
    {
        lock (_lock)
            _queue.Clear();
    }

    public Fault? Take(string path)
    {
        lock (_lock)
        {
            var index = _queue.FindIndex(f => f.Path is null || path.EndsWith(f.Path, StringComparison.Ordinal));
            if (index < 0)
                return null;
            var fault = _queue[index];
            if (fault.Count <= 1)
                _queue.RemoveAt(index);
            else
                _queue[index] = fault with { Count = fault.Count - 1 };
            return fault;
        }
    }
}
