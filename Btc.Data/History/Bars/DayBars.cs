using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Bars;

/// <summary>
/// The hour and day bars of one UTC day from its series pieces (one piece: a coin's hour in every seeded currency), in
/// whatever order the pieces come, and from the samples of currencies added later. The maths of
/// <see cref="BarMaths"/>: a mean is its samples' sum over their count. Each hour keeps the moments of the usd
/// samples that gave its open, high, low and close (<see cref="CoinBars"/>), so the rates of those moments predict the
/// other currencies when the hours are encoded.
/// </summary>
internal sealed class DayBars(DateTime day, int columns, int baseColumn)
{
    private readonly Dictionary<int, (CoinBars Hours, Dictionary<int, double[]> Sums)> _seeded = [];

    private readonly Dictionary<(int CoinKey, short CurrencyKey), List<(short Hour, PriceBar Bar, double Sum)>>
        _extras = [];

    /// <summary>A coin's hour (from <paramref name="start"/>) in every seeded currency (column c: currency c + 1).
    /// </summary>
    public void Add(int coinKey, DateTime start, PieceData piece)
    {
        var hour = (int)((start - day).Ticks / TimeSpan.TicksPerHour);
        var (bars, sums, any) = (new PriceBar?[columns], new double[columns], false);
        for (var c = 0; c < Math.Min(columns, piece.Columns.Length); c++)
        {
            var bar = new HourBar();
            foreach (var value in piece.Columns[c])
            {
                if (value is { } price)
                    bar.Add(price);
            }
            if (bar.Count > 0)
                (bars[c], sums[c], any) = (bar.ToBar(day.AddHours(hour)), bar.Sum, true);
        }
        if (!any)
            return;
        if (!_seeded.TryGetValue(coinKey, out var coin))
            _seeded[coinKey] = coin = (new CoinBars(day, columns, TimeSpan.FromHours(1)), []);
        coin.Hours.Set(hour, Moments(piece, (int)(start - day).TotalSeconds), bars);
        coin.Sums[hour] = sums;
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
            if (!_extras.TryGetValue((coinKey, currencyKey), out var hours))
                _extras[(coinKey, currencyKey)] = hours = [];
            hours.Add((hour, bar.ToBar(day.AddHours(hour)), bar.Sum));
        }
    }

    /// <summary>Each coin with seeded bars, in key order: its hours, and its day bar per column (null: none).</summary>
    public IEnumerable<(int CoinKey, CoinBars Hours, PriceBar?[] Day)> Seeded()
    {
        foreach (var (coinKey, (hours, sums)) in _seeded.OrderBy(s => s.Key))
        {
            var dayBars = new PriceBar?[columns];
            for (var c = 0; c < columns; c++)
            {
                var column = hours.Slots.Where(s => s.Value.Bars[c] is not null)
                    .Select(s => (s.Value.Bars[c]!.Value, sums[s.Key][c])).ToArray();
                if (column.Length > 0)
                    dayBars[c] = DayBar(column);
            }
            yield return (coinKey, hours, dayBars);
        }
    }

    /// <summary>Each (coin, currency added later) with samples, in key order: hour bars in time order, the day bar.
    /// </summary>
    public IEnumerable<CoinDayBars> Extras()
    {
        var ordered = _extras.OrderBy(h => h.Key.CoinKey).ThenBy(h => h.Key.CurrencyKey);
        foreach (var ((coinKey, currencyKey), hours) in ordered)
        {
            hours.Sort((a, b) => a.Hour.CompareTo(b.Hour));
            var dayBar = DayBar(hours.Select(h => (h.Bar, h.Sum)).ToArray());
            yield return new CoinDayBars(coinKey, currencyKey, hours.Select(h => (h.Hour, h.Bar)).ToArray(), dayBar);
        }
    }

    /// <summary>A day's bar from its hours' bars and sums, in hour order.</summary>
    private PriceBar DayBar(IReadOnlyList<(PriceBar Bar, double Sum)> hours)
    {
        var (high, low, sum, count) = (hours[0].Bar.High, hours[0].Bar.Low, 0.0, 0);
        foreach (var (bar, hourSum) in hours)
        {
            (high, low) = (Math.Max(high, bar.High), Math.Min(low, bar.Low));
            (sum, count) = (sum + hourSum, count + bar.Count);
        }
        return new PriceBar(CoinBars.UnixSeconds(day), hours[0].Bar.Open, high, low, hours[^1].Bar.Close, sum / count,
            count);
    }

    /// <summary>
    /// Seconds after midnight of the usd samples that gave the hour's open, high, low and close (the first of equal
    /// highs or lows); the hour's start for each when usd has none.
    /// </summary>
    private int[] Moments(PieceData piece, int offset)
    {
        var hourStart = offset - offset % 3600;
        int[] moments = [hourStart, hourStart, hourStart, hourStart];
        if (baseColumn < 0 || baseColumn >= piece.Columns.Length)
            return moments;
        var usd = piece.Columns[baseColumn];
        var (first, high, low, last) = (-1, -1, -1, -1);
        for (var i = 0; i < usd.Length; i++)
        {
            if (usd[i] is not { } price)
                continue;
            if (first < 0)
                (first, high, low) = (i, i, i);
            (high, low, last) = (price > usd[high]!.Value ? i : high, price < usd[low]!.Value ? i : low, i);
        }
        return first < 0 ? moments
            : [offset + piece.Seconds[first], offset + piece.Seconds[high], offset + piece.Seconds[low],
                offset + piece.Seconds[last]];
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

        public PriceBar ToBar(DateTime start) =>
            new(CoinBars.UnixSeconds(start), Open, High, Low, Close, Sum / Count, Count);
    }
}

/// <summary>A (coin, currency)'s bars of one day: its hour bars in time order and the day's bar.</summary>
internal sealed record CoinDayBars(
    int CoinKey, short CurrencyKey, IReadOnlyList<(short Hour, PriceBar Bar)> Hours, PriceBar Day);
