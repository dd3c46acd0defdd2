using Btc.Data.History.Bars;

namespace Btc.Api.Stocks;

/// <summary>
/// What a series request asked for besides its window: an interval (or none), and prices or OHLC bars.
/// </summary>
public sealed record SeriesShape(BarInterval? Interval, bool Ohlc)
{
    private static readonly Dictionary<string, BarInterval> Intervals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["minute"] = BarInterval.Minute,
        ["hour"] = BarInterval.Hour,
        ["day"] = BarInterval.Day,
    };

    /// <returns>The shape, or a sentence saying what is wrong with the input.</returns>
    public static (SeriesShape? Shape, string? Error) Parse(string? interval, string? fields)
    {
        BarInterval? asked = null;
        if (interval is not null)
        {
            if (!Intervals.TryGetValue(interval, out var found))
                return (null, $"'interval' must be minute, hour or day, not '{interval}'.");
            asked = found;
        }
        bool? ohlc = fields?.ToLowerInvariant() switch { null or "price" => false, "ohlc" => true, _ => null };
        if (ohlc is null)
            return (null, $"'fields' must be price or ohlc, not '{fields}'.");
        if (ohlc.Value && asked == BarInterval.Minute)
            return (null, "fields=ohlc needs interval=hour or day: a minute sample is a single price.");
        return (new SeriesShape(asked, ohlc.Value), null);
    }

    /// <summary>
    /// The tier that answers a window starting at <paramref name="from"/>: the one asked for, else the finest holding
    /// the whole window (a bar tier for OHLC). An interval finer than that gets a sentence naming the finest.
    /// </summary>
    public (BarInterval Chosen, string? TooFine) Choose(HistoryTiers tiers, DateTime from)
    {
        var finest = tiers.FinestFrom(from);
        if (Ohlc && finest == BarInterval.Minute)
            finest = BarInterval.Hour;
        if (Interval is not { } asked)
            return (finest, null);
        if (asked >= finest)
            return (asked, null);
        var kept = asked == BarInterval.Minute ? $"Minute samples are kept from {tiers.MinutesFrom:yyyy-MM-dd}"
            : $"Hour bars are kept from {tiers.HoursFrom:yyyy-MM-dd}";
        return (asked,
            $"{kept}: for a window from {from:O} the finest interval is {finest.ToString().ToLowerInvariant()}.");
    }
}
