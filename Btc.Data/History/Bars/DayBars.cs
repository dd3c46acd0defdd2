using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Bars;

/// <summary>
/// The hour and day bars of one UTC day from its series pieces (one piece: a coin's hour in every currency), in
/// whatever order the pieces come. The maths of <see cref="BarMaths"/>: a mean is its samples' sum over their count.
/// </summary>
internal sealed class DayBars(DateTime day)
{
    private readonly Dictionary<(int CoinKey, short CurrencyKey), List<(short Hour, PriceBar Bar, double Sum)>> _hours =
        [];

    /// <summary>A coin's hour (from <paramref name="start"/>) in every seeded currency (column c: currency c + 1).
    /// </summary>
    public void Add(int coinKey, DateTime start, PieceData piece)
    {
        var hour = (short)((start - day).Ticks / TimeSpan.TicksPerHour);
        for (var c = 0; c < piece.Columns.Length; c++)
        {
            var bar = new HourBar();
            foreach (var value in piece.Columns[c])
            {
                if (value is { } price)
                    bar.Add(price);
            }
            AddHour(coinKey, (short)(c + 1), hour, bar);
        }
    }

    /// <summary>
    /// A currency without pieces (added after the seeded ones): a coin's samples of the day, in time order.
    /// </summary>
    public void Add(int coinKey, short currencyKey, IReadOnlyList<(DateTime At, double Price)> samples)
    {
        for (var i = 0; i < samples.Count;)
        {
            var hour = (short)((samples[i].At - day).Ticks / TimeSpan.TicksPerHour);
            var bar = new HourBar();
            for (; i < samples.Count && (samples[i].At - day).Ticks / TimeSpan.TicksPerHour == hour; i++)
                bar.Add(samples[i].Price);
            AddHour(coinKey, currencyKey, hour, bar);
        }
    }

    private void AddHour(int coinKey, short currencyKey, short hour, HourBar bar)
    {
        if (bar.Count == 0)
            return;
        if (!_hours.TryGetValue((coinKey, currencyKey), out var hours))
            _hours[(coinKey, currencyKey)] = hours = [];
        var unix = (day.AddHours(hour) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;
        var hourBar = new PriceBar(unix, bar.Open, bar.High, bar.Low, bar.Close, bar.Sum / bar.Count, bar.Count);
        hours.Add((hour, hourBar, bar.Sum));
    }

    /// <summary>Each (coin, currency) with samples, in key order: its hour bars in time order, its day bar.</summary>
    public IEnumerable<CoinDayBars> Bars()
    {
        var ordered = _hours.OrderBy(h => h.Key.CoinKey).ThenBy(h => h.Key.CurrencyKey);
        foreach (var ((coinKey, currencyKey), hours) in ordered)
        {
            hours.Sort((a, b) => a.Hour.CompareTo(b.Hour));
            var (sum, count) = (hours.Sum(h => h.Sum), hours.Sum(h => h.Bar.Count));
            var dayBar = new PriceBar((day - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond, hours[0].Bar.Open,
                hours.Max(h => h.Bar.High), hours.Min(h => h.Bar.Low), hours[^1].Bar.Close, sum / count, count);
            yield return new CoinDayBars(coinKey, currencyKey, hours.Select(h => (h.Hour, h.Bar)).ToArray(), dayBar);
        }
    }

    private sealed class HourBar
    {
        public double Open, Close, Sum;
        public double High = double.MinValue, Low = double.MaxValue;
        public int Count;

        public void Add(double price)
        {
            if (Count++ == 0)
                Open = price;
            (Close, High, Low, Sum) = (price, Math.Max(High, price), Math.Min(Low, price), Sum + price);
        }
    }
}

/// <summary>A (coin, currency)'s bars of one day: its hour bars in time order and the day's bar.</summary>
internal sealed record CoinDayBars(
    int CoinKey, short CurrencyKey, IReadOnlyList<(short Hour, PriceBar Bar)> Hours, PriceBar Day);
