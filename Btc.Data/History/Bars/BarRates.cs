using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Rates;

namespace Btc.Data.History.Bars;

/// <summary>
/// The rates a coin's day of hour bars is encoded and decoded with: for each field, the stored rates (price_rate) of
/// the moment of the usd sample that gave it. Both sides read the same immutable quarters, so they agree to the bit.
/// </summary>
internal static class BarRates
{
    /// <summary>Every column's rates; null without a base column (nothing predicted).</summary>
    public static HourBarsRates? Of(DateTime day, IReadOnlyList<int[]> seconds,
        IReadOnlyDictionary<DateTime, QuarterRates> quarters, int baseColumn, int columns)
    {
        if (baseColumn < 0)
            return null;
        var fields = seconds.Select(s => PieceRatesOf.Piece(day, s, quarters, baseColumn, columns)).ToArray();
        return new HourBarsRates(fields[0], fields[1], fields[2], fields[3]);
    }

    /// <summary>One column's rates per field, as <see cref="HourBarsCodec.DecodeColumn"/> takes them.</summary>
    public static double?[]?[] Column(DateTime day, IReadOnlyList<int[]> seconds,
        IReadOnlyDictionary<DateTime, QuarterRates> quarters, int column) =>
        seconds.Select(s => (double?[]?)PieceRatesOf.Column(day, s, quarters, column)).ToArray();

    /// <summary>The quarters holding the moments.</summary>
    public static IEnumerable<DateTime> Quarters(DateTime day, IEnumerable<int[]> seconds) =>
        seconds.SelectMany(s => s).Select(s => QuarterRates.QuarterOf(day.AddSeconds(s))).Distinct();
}
