using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Series.Rates;

/// <summary>The rates a piece's samples were (or are to be) encoded with, from its quarters' stored rates.</summary>
public static class PieceRatesOf
{
    public static PieceRates Piece(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters, int baseColumn,
        int columns)
    {
        // Each sample's quarter row and the index of its span's rates in it, found once for every column.
        var (rows, at) = (new QuarterRates?[seconds.Length], new int[seconds.Length]);
        var first = QuarterRates.QuarterOf(start);
        var shift = (int)((start - first).Ticks / TimeSpan.TicksPerSecond);
        var (index, row) = (-1, (QuarterRates?)null);
        for (var i = 0; i < seconds.Length; i++)
        {
            var second = seconds[i] + shift;
            var quarter = second / QuarterSeconds;
            if (quarter != index)
                (index, row) = (quarter, quarters.GetValueOrDefault(first.AddSeconds(quarter * QuarterSeconds)));
            (rows[i], at[i]) = (row, row is null ? 0
                : (QuarterRates.Span(second - quarter * QuarterSeconds, row.Offset) + 1) * row.Columns);
        }
        var byColumn = new double?[]?[columns];
        for (var c = 0; c < columns; c++)
        {
            if (c == baseColumn)
                continue;
            var rates = byColumn[c] = new double?[seconds.Length];
            for (var i = 0; i < seconds.Length; i++)
            {
                if (rows[i] is { } r && c < r.Columns && r.Rates[at[i] + c] is var rate && !double.IsNaN(rate))
                    rates[i] = rate;
            }
        }
        return new PieceRates(baseColumn, byColumn);
    }

    /// <summary>Column <paramref name="column"/>'s rate at each of the piece's sample times.</summary>
    public static double?[] Column(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters, int column)
    {
        var rates = new double?[seconds.Length];
        // Whole seconds from the piece's start to its first quarter's: the samples then walk the quarters in order.
        var first = QuarterRates.QuarterOf(start);
        var shift = (int)((start - first).Ticks / TimeSpan.TicksPerSecond);
        var (index, row) = (-1, (QuarterRates?)null);
        for (var i = 0; i < seconds.Length; i++)
        {
            var second = seconds[i] + shift;
            var quarter = second / QuarterSeconds;
            if (quarter != index)
                (index, row) = (quarter, quarters.GetValueOrDefault(first.AddSeconds(quarter * QuarterSeconds)));
            rates[i] = row?.Of(second - quarter * QuarterSeconds, column);
        }
        return rates;
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
