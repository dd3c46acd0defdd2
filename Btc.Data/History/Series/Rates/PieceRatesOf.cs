using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Series.Rates;

/// <summary>The rates a piece's samples were (or are to be) encoded with, from its quarters' stored rates.</summary>
public static class PieceRatesOf
{
    public static PieceRates Piece(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters, int baseColumn,
        int columns) =>
        new(baseColumn, Enumerable.Range(0, columns)
            .Select(c => c == baseColumn ? null : Column(start, seconds, quarters, c)).ToArray());

    /// <summary>Column <paramref name="column"/>'s rate at each of the piece's sample times.</summary>
    public static double?[] Column(
        DateTime start, int[] seconds, IReadOnlyDictionary<DateTime, QuarterRates> quarters, int column)
    {
        var rates = new double?[seconds.Length];
        var (quarter, rateRow, quarterStart) = (DateTime.MinValue, (QuarterRates?)null, 0L);
        for (var i = 0; i < seconds.Length; i++)
        {
            var at = start.AddSeconds(seconds[i]);
            if (at < quarter || at >= quarter + QuarterRates.Length)
            {
                quarter = QuarterRates.QuarterOf(at);
                rateRow = quarters.GetValueOrDefault(quarter);
                quarterStart = (long)(quarter - start).TotalSeconds;
            }
            rates[i] = rateRow?.Of((int)(seconds[i] - quarterStart), column);
        }
        return rates;
    }

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
