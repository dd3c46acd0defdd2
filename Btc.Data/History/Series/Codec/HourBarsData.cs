namespace Btc.Data.History.Series.Codec;

/// <summary>
/// A coin's UTC day of hour bars in every currency. Each field is a piece whose samples are the day's hours with a
/// bar: its <see cref="PieceData.Seconds"/> are seconds after midnight of the base currency's sample that gave the
/// field (so the rates of that moment predict the other currencies), its columns the currencies' values, null where
/// a currency has no bar that hour. <see cref="Counts"/>[currency][hour] is 0 there. <see cref="Means"/> (sum / count:
/// not decimals, stored time-wise) is optional, so its cost can be measured apart.
/// </summary>
public sealed record HourBarsData(
    PieceData Open, PieceData High, PieceData Low, PieceData Close, int[][] Counts, PieceData? Means = null)
{
    public IReadOnlyList<PieceData> Fields => [Open, High, Low, Close];
}

/// <summary>
/// The rates of the moments of each field's samples (see <see cref="PieceRates"/>); null: no predictions.
/// </summary>
public sealed record HourBarsRates(PieceRates? Open, PieceRates? High, PieceRates? Low, PieceRates? Close)
{
    public IReadOnlyList<PieceRates?> Fields => [Open, High, Low, Close];
}

/// <summary>
/// One currency's hour bars of a day, aligned with the day's hours with a bar (null: none in this currency); the means
/// if the day has them.
/// </summary>
public sealed record HourBarColumn(
    double?[] Open, double?[] High, double?[] Low, double?[] Close, int[] Count, double?[]? Mean = null);

/// <summary>What an encoded day of hour bars spends its bytes on; the parts add up to its length.</summary>
public sealed record HourBarsLayout(int Bytes, IReadOnlyList<PieceLayout> Fields, int CountBytes, int MeanBytes);
