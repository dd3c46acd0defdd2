using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series.Codec;

/// <summary>A coin's day of hour bars summarized from its hour pieces, as the rollup would: with the rates of each
/// field's usd sample.</summary>
internal static class HourBarsShape
{
    public static (HourBarsData Bars, HourBarsRates Rates) Of(IReadOnlyList<(PieceData Piece, PieceRates Rates)> day)
    {
        var (hours, columns) = (day.Count, day[0].Piece.Columns.Length);
        var seconds = New(4, hours, 0);
        var values = Enumerable.Range(0, 4).Select(_ => New(columns, hours, (double?)null)).ToArray();
        var rates = Enumerable.Range(0, 4).Select(_ => New(columns, hours, (double?)null)).ToArray();
        var (counts, means) = (New(columns, hours, 0), New(columns, hours, (double?)null));
        for (var h = 0; h < hours; h++)
        {
            var (piece, pieceRates) = day[h];
            var at = Extremes(piece.Columns[CoinGeckoShapedData.Usd]);
            for (var f = 0; f < 4; f++)
                seconds[f][h] = 3600 * h + piece.Seconds[at[f]];
            for (var c = 0; c < columns; c++)
            {
                var present = piece.Columns[c].OfType<double>().ToArray();
                counts[c][h] = present.Length;
                if (present.Length == 0)
                    continue;
                means[c][h] = present.Sum() / present.Length;
                (values[0][c][h], values[1][c][h]) = (present[0], present.Max());
                (values[2][c][h], values[3][c][h]) = (present.Min(), present[^1]);
                for (var f = 0; f < 4; f++)
                    rates[f][c][h] = pieceRates.ByColumn.ElementAtOrDefault(c)?[at[f]];
            }
        }
        var fields = Enumerable.Range(0, 4).Select(f => new PieceData(seconds[f], values[f])).ToArray();
        var fieldRates = rates.Select(r => new PieceRates(CoinGeckoShapedData.Usd, r)).ToArray();
        return (new HourBarsData(fields[0], fields[1], fields[2], fields[3], counts,
                new PieceData(seconds[0], means)),
            new HourBarsRates(fieldRates[0], fieldRates[1], fieldRates[2], fieldRates[3]));
    }

    /// <summary>Where the base column's open, high, low and close are.</summary>
    private static int[] Extremes(double?[] values)
    {
        var present = Enumerable.Range(0, values.Length).Where(i => values[i].HasValue).ToArray();
        return [present[0], present.MaxBy(i => values[i]!.Value), present.MinBy(i => values[i]!.Value), present[^1]];
    }

    private static T[][] New<T>(int rows, int length, T value) =>
        Enumerable.Range(0, rows).Select(_ => Enumerable.Repeat(value, length).ToArray()).ToArray();
}
