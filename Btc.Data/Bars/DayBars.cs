namespace Btc.Data.Bars;

/// <summary>
/// The hour and day bars of one UTC day from its series pieces (one piece: a coin's hour of five currencies), in
/// whatever order the pieces come. The maths of <see cref="BarMaths"/>: a mean is its samples' sum over their count.
/// </summary>
internal sealed class DayBars(DateTime day)
{
    private const int GroupSize = 5;

    private readonly Dictionary<(int CoinKey, short CurrencyKey), List<(short Hour, PriceBar Bar, double Sum)>> _hours = [];

    public void Add(int coinKey, short grp, DateTime start, short[] t, double?[] p)
    {
        var hour = (short)((start - day).Ticks / TimeSpan.TicksPerHour);
        var unix = (start - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;
        for (var row = 0; row < p.Length / t.Length; row++)
        {
            var (open, close, high, low, sum, count) = (0.0, 0.0, double.MinValue, double.MaxValue, 0.0, 0);
            for (var i = row * t.Length; i < (row + 1) * t.Length; i++)
            {
                if (p[i] is not { } price)
                    continue;
                if (count++ == 0)
                    open = price;
                (close, high, low, sum) = (price, Math.Max(high, price), Math.Min(low, price), sum + price);
            }
            if (count == 0)
                continue;
            var key = (coinKey, (short)(grp * GroupSize + row + 1));
            if (!_hours.TryGetValue(key, out var hours))
                _hours[key] = hours = [];
            hours.Add((hour, new PriceBar(unix, open, high, low, close, sum / count, count), sum));
        }
    }

    /// <summary>Every (coin, currency) with samples, in key order, with its hour bars in time order and its day bar.</summary>
    public IEnumerable<(int CoinKey, short CurrencyKey, IReadOnlyList<(short Hour, PriceBar Bar)> Hours, PriceBar Day)> Bars()
    {
        foreach (var ((coinKey, currencyKey), hours) in _hours.OrderBy(h => h.Key.CoinKey).ThenBy(h => h.Key.CurrencyKey))
        {
            hours.Sort((a, b) => a.Hour.CompareTo(b.Hour));
            var (sum, count) = (hours.Sum(h => h.Sum), hours.Sum(h => h.Bar.Count));
            var dayBar = new PriceBar((day - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond, hours[0].Bar.Open,
                hours.Max(h => h.Bar.High), hours.Min(h => h.Bar.Low), hours[^1].Bar.Close, sum / count, count);
            yield return (coinKey, currencyKey, hours.Select(h => (h.Hour, h.Bar)).ToArray(), dayBar);
        }
    }
}
