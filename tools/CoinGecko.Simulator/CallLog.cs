namespace CoinGecko.Simulator;

/// <summary>
/// Every call received (for tests to check budgets), and the calls-per-minute limit CoinGecko enforces.
/// </summary>
public sealed class CallLog
{
    private readonly Lock _lock = new();
    private readonly List<(DateTimeOffset At, string Path)> _calls = [];
    private readonly Dictionary<(int Year, int Month), int> _answeredByMonth = [];

    public IReadOnlyList<(DateTimeOffset At, string Path)> Snapshot()
    {
        lock (_lock)
            return [.. _calls];
    }

    /// <summary>Records a call; when the last minute already holds <paramref name="limit"/> calls, refuses it
    /// and says how long until one falls out of the window.</summary>
    public TimeSpan? Record(string path, DateTimeOffset now, int limit)
    {
        lock (_lock)
        {
            if (limit > 0)
            {
                var window = _calls.Where(c => c.At > now.AddMinutes(-1) && c.Path != "refused")
                    .Select(c => c.At).ToList();
                if (window.Count >= limit)
                {
                    _calls.Add((now, "refused"));
                    return window[window.Count - limit].AddMinutes(1) - now;
                }
            }
            _calls.Add((now, path));
            return null;
        }
    }

    /// <summary>
    /// Counts a call answered successfully against its calendar month (UTC), as CoinGecko counts a plan's monthly
    /// credits; false, and not counted, when the month already holds <paramref name="limit"/> (0: no limit).
    /// </summary>
    public bool TryCountInMonth(DateTimeOffset now, int limit)
    {
        lock (_lock)
        {
            var month = (now.UtcDateTime.Year, now.UtcDateTime.Month);
            var used = _answeredByMonth.GetValueOrDefault(month);
            if (limit > 0 && used >= limit)
                return false;
            _answeredByMonth[month] = used + 1;
            return true;
        }
    }

    /// <summary>Calls answered successfully in the calendar month (UTC) of <paramref name="at"/>.</summary>
    public int AnsweredInMonth(DateTimeOffset at)
    {
        lock (_lock)
            return _answeredByMonth.GetValueOrDefault((at.UtcDateTime.Year, at.UtcDateTime.Month));
    }

    public void Clear()
    {
        lock (_lock)
        {
            _calls.Clear();
            _answeredByMonth.Clear();
        }
    }
}
