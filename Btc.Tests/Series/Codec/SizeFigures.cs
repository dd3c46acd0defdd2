using Btc.Data.History.Series.Codec;
using Xunit.Abstractions;

namespace Btc.Tests.Series.Codec;

/// <summary>Encoded pieces summed up: bytes per coin-minute, by part and by column mode.</summary>
internal sealed class Figures
{
    public long Bytes, Samples, Header, Times, Base, Columns;
    public double InformationBytes;
    public readonly Dictionary<ColumnMode, long> Modes = [];
    public readonly Dictionary<ColumnMode, long> ModeBytes = [];

    public double PerCoinMinute => (double)Bytes / Samples;

    public void Add(PieceLayout layout, PieceData piece)
    {
        (Bytes, Samples) = (Bytes + layout.Bytes, Samples + piece.Seconds.Length);
        (Header, Times) = (Header + layout.HeaderBytes, Times + layout.TimeBytes);
        Base += layout.Columns[CoinGeckoShapedData.Usd].Bytes;
        InformationBytes += piece.Columns.Sum(Information) / 8;
        for (var c = 0; c < layout.Columns.Count; c++)
        {
            if (c == CoinGeckoShapedData.Usd)
                continue;
            var column = layout.Columns[c];
            Columns++;
            Modes[column.Mode] = Modes.GetValueOrDefault(column.Mode) + 1;
            ModeBytes[column.Mode] = ModeBytes.GetValueOrDefault(column.Mode) + column.Bytes;
        }
    }

    public void Report(ITestOutputHelper output, string data, string pieces)
    {
        output.WriteLine($"{data}, {pieces}: {PerCoinMinute:F2} B per coin-minute ({Samples:N0} samples)");
        output.WriteLine($"  header {PerMinute(Header)}, times {PerMinute(Times)}, usd column {PerMinute(Base)}");
        var valuesPerColumn = (double)Samples * (CoinGeckoShapedData.Currencies - 1) / Columns;
        foreach (var (mode, count) in Modes.OrderBy(m => m.Key))
        {
            var bits = ModeBytes[mode] * 8.0 / count / valuesPerColumn;
            output.WriteLine($"  {mode}: {count:N0} of {Columns:N0} other columns, {PerMinute(ModeBytes[mode])}" +
                $" ({bits:F2} bits a value, table entries included)");
        }
        output.WriteLine($"  if every column walked on its own, its information: {InformationBytes / Samples:F2} B");
    }

    /// <summary>
    /// A walk's bits if its deltas are Gaussian: log2(σ √(2πe)) a delta at the values' 15-digit scale, plus 50 bits
    /// for the first value.
    /// </summary>
    private static double Information(double?[] column)
    {
        var values = column.OfType<double>().ToArray();
        if (values.Length < 2)
            return values.Length * 50;
        var q = Decimal15.Exponent(values[0])!.Value - 14;
        var deltas = values.Zip(values.Skip(1), (a, b) => (double)(Decimal15.RoundScaled(b, -q) -
            Decimal15.RoundScaled(a, -q))).ToArray();
        var mean = deltas.Average();
        var sd = Math.Sqrt(deltas.Sum(d => (d - mean) * (d - mean)) / deltas.Length);
        return 50 + deltas.Length * Math.Max(0, Math.Log2(Math.Max(sd, 1) * Math.Sqrt(2 * Math.PI * Math.E)));
    }

    private string PerMinute(long bytes) => $"{(double)bytes / Samples:F2} B";
}
