using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Series.Rates;

/// <summary>The rates a piece's samples were (or are to be) encoded with, from its quarters' stored rates.</summary>
public static class PieceRatesOf
{
    public static PieceRates Piece(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters, int baseColumn,
        int columns)
    {
        var spans = Spans(start, seconds, quarters);
        return new PieceRates(baseColumn, Enumerable.Range(0, columns)
            .Select(c => c == baseColumn ? null : Column(spans, c)).ToArray());
    }

    /// <summary>Column <paramref name="column"/>'s rate at each of the piece's sample times.</summary>
    public static double?[] Column(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters, int column) =>
        Column(Spans(start, seconds, quarters), column);

    private static double?[] Column((QuarterRates? Row, int At)[] spans, int column)
    {
        var rates = new double?[spans.Length];
        for (var i = 0; i < spans.Length; i++)
        {
            if (spans[i].Row is { } r && column < r.Columns && r.Rates[spans[i].At + column] is var rate
                && !double.IsNaN(rate))
                rates[i] = rate;
        }
        return rates;
    }

    /// <summary>
    /// Each sample's quarter row and where its span's rates start in it: the samples walk the quarters in order, from
    /// the whole seconds between the piece's start and its first quarter's.
    /// </summary>
    private static (QuarterRates? Row, int At)[] Spans(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters)
    {
        var spans = new (QuarterRates?, int)[seconds.Length];
        var first = QuarterRates.QuarterOf(start);
        var shift = (int)((start - first).Ticks / TimeSpan.TicksPerSecond);
        var (index, row) = (-1, (QuarterRates?)null);
        for (var i = 0; i < seconds.Length; i++)
        {
            var second = seconds[i] + shift;
            var quarter = second / QuarterSeconds;
            if (quarter != index)
                (index, row) = (quarter, quarters.GetValueOrDefault(first.AddSeconds(quarter * QuarterSeconds)));
            spans[i] = (row, row is null ? 0
                : (QuarterRates.Span(second - quarter * QuarterSeconds, row.Offset) + 1) * row.Columns);
        }
        return spans;
    }

    private const int QuarterSeconds = 15 * 60;

    /// <summary>The quarters a piece's samples lie in.</summary>
    public static IEnumerable<DateTime> Quarters(DateTime start, int[] seconds) =>
        seconds.Length == 0 ? []
            : Quarters(start.AddSeconds(seconds[0]), TimeSpan.FromSeconds(seconds[^1] - seconds[0] + 1));

    /// <summary>The quarters a piece starting at <paramref name="start"/> may hold samples of.</summary>
    public static IEnumerable<DateTime> Quarters(DateTime start, TimeSpan length)
    {
        for (var q = QuarterRates.QuarterOf(start); q < start + length; q += QuarterRates.Length)
            yield return q;
    }
}
