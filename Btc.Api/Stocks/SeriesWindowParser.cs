using System.Globalization;
using Btc.Data.Prices;

namespace Btc.Api.Stocks;

/// <summary>Reads the optional from/to of a series request: ISO-8601 or unix seconds.</summary>
public static class SeriesWindowParser
{
    // Ten years of day bars: 3,653 of them.
    public static readonly TimeSpan Longest = TimeSpan.FromDays(3653);

    /// <returns>The window, or a sentence saying what is wrong with the input.</returns>
    public static (PriceWindow Window, string? Error) Parse(string? from, string? to, DateTime utcNow)
    {
        if (from is null && to is null)
            return (PriceWindow.LastDay(utcNow), null);

        DateTime? start = null, end = null;
        if (from is not null && (start = ParseInstant(from)) is null)
            return (default, $"'from' must be an ISO-8601 time (2024-03-25T08:00:00Z) or unix seconds, not '{from}'.");
        if (to is not null && (end = ParseInstant(to)) is null)
            return (default, $"'to' must be an ISO-8601 time (2024-03-25T09:00:00Z) or unix seconds, not '{to}'.");

        if (start < DateTime.UnixEpoch || end < DateTime.UnixEpoch)
            return (default, "'from' and 'to' must be after 1970-01-01T00:00:00Z.");

        // Nothing is stored ahead of now: a later 'to' is now.
        var windowEnd = end is { } e && e < utcNow ? e : utcNow;
        var windowStart = start ?? windowEnd - PriceWindow.Day;
        if (windowStart >= windowEnd)
            return (default,
                $"'from' ({windowStart:O}) must be before 'to' ({windowEnd:O}); data is served up to now " +
                $"({utcNow:O}).");
        if (windowEnd - windowStart > Longest)
            return (default, $"A window may span at most {Longest.TotalDays:0} days (ten years).");
        return (new PriceWindow(windowStart, windowEnd), null);
    }

    private static DateTime? ParseInstant(string value)
    {
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            return seconds is >= 0 and <= 32_503_680_000 ? DateTime.UnixEpoch.AddSeconds(seconds) : null;
        return DateTimeOffset.TryParse(
            value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.UtcDateTime
            : null;
    }
}
