using Btc.Data.Prices;

namespace Btc.Data.History.Bars;

/// <summary>Bars from samples, for the periods the stored bars do not cover yet (the current day).</summary>
public static class BarMaths
{
    /// <summary>One bar per period holding samples; <paramref name="points"/> oldest first.</summary>
    public static IReadOnlyList<PriceBar> Summarize(IReadOnlyList<PricePoint> points, BarInterval interval)
    {
        var period = interval switch
        {
            BarInterval.Hour => 3600L,
            BarInterval.Day => 86400L,
            _ => throw new ArgumentOutOfRangeException(
                nameof(interval), interval, "Minute samples are not summarized."),
        };
        var bars = new List<PriceBar>();
        for (var i = 0; i < points.Count;)
        {
            var start = points[i].UnixSeconds - Mod(points[i].UnixSeconds, period);
            var (open, high, low, sum, count) = (points[i].Price, double.MinValue, double.MaxValue, 0.0, 0);
            double close = 0;
            for (; i < points.Count && points[i].UnixSeconds < start + period; i++)
            {
                var price = points[i].Price;
                (high, low, sum, close, count) = (
                    Math.Max(high, price), Math.Min(low, price), sum + price, price, count + 1);
            }
            bars.Add(new PriceBar(start, open, high, low, close, sum / count, count));
        }
        return bars;
    }

    private static long Mod(long value, long period) => (value % period + period) % period;
}
