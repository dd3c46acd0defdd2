using Btc.Data.History.Series.Codec;
using Xunit.Abstractions;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// Bytes per coin-minute on synthetic CoinGecko-shaped data (issue 22's goal: ≤ 60 for all 62 currencies) and on
/// independent walks (≤ 300), with what the bytes are spent on.
/// </summary>
public sealed class CodecSizeTests(ITestOutputHelper output)
{
    private const int Coins = 40;

    [Fact]
    public void CoinGecko_shaped_hours_take_under_60_bytes_a_coin_minute()
    {
        var figures = Measure(independent: false, piecesPerHour: 1);
        figures.PerCoinMinute.Should().BeLessThan(60);
        figures.Modes.GetValueOrDefault(ColumnMode.Predicted).Should().BeGreaterThan(figures.Columns * 95 / 100,
            "the shared rates predict almost every column");
    }

    [Fact]
    public void CoinGecko_shaped_quarters_take_under_60_bytes_a_coin_minute()
    {
        Measure(independent: false, piecesPerHour: 4).PerCoinMinute.Should().BeLessThan(60);
    }

    [Fact]
    public void Independent_walks_take_under_300_bytes_a_coin_minute()
    {
        Measure(independent: true, piecesPerHour: 1).PerCoinMinute.Should().BeLessThan(300);
    }

    private Figures Measure(bool independent, int piecesPerHour)
    {
        var figures = new Figures();
        var data = new CoinGeckoShapedData(seed: 2026);
        for (var coin = 0; coin < Coins; coin++)
        {
            foreach (var (hour, rates) in data.CoinDay(independent))
            {
                foreach (var (piece, pieceRates) in Split(hour, rates, piecesPerHour))
                    figures.Add(SeriesPieceCodec.Inspect(SeriesPieceCodec.Encode(piece, pieceRates)), piece);
            }
        }
        figures.Report(output, independent ? "independent walks" : "CoinGecko-shaped",
            piecesPerHour == 1 ? "hour pieces" : "quarter pieces");
        return figures;
    }

    /// <summary>An hour's piece cut into equal spans of samples (quarters: 15 minutes each).</summary>
    private static IEnumerable<(PieceData, PieceRates)> Split(PieceData hour, PieceRates rates, int parts)
    {
        var size = hour.Seconds.Length / parts;
        for (var p = 0; p < parts; p++)
        {
            var range = new Range(p * size, (p + 1) * size);
            yield return (new PieceData(hour.Seconds[range], hour.Columns.Select(c => c[range]).ToArray()),
                rates with { ByColumn = rates.ByColumn.Select(r => r?[range]).ToArray() });
        }
    }

    private sealed class Figures
    {
        public long Bytes, Samples, Header, Times, Base, Columns;
        public readonly Dictionary<ColumnMode, long> Modes = [];
        public readonly Dictionary<ColumnMode, long> ModeBytes = [];

        public double PerCoinMinute => (double)Bytes / Samples;

        public void Add(PieceLayout layout, PieceData piece)
        {
            (Bytes, Samples) = (Bytes + layout.Bytes, Samples + piece.Seconds.Length);
            (Header, Times) = (Header + layout.HeaderBytes, Times + layout.TimeBytes);
            Base += layout.Columns[CoinGeckoShapedData.Usd].Bytes;
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
            foreach (var (mode, count) in Modes.OrderBy(m => m.Key))
            {
                output.WriteLine($"  {mode}: {count:N0} of {Columns:N0} other columns, {PerMinute(ModeBytes[mode])}" +
                    $" ({(double)ModeBytes[mode] * 8 / count / (Samples / (double)(Columns / 61)):F2} bits a value)");
            }
        }

        private string PerMinute(long bytes) => $"{(double)bytes / Samples:F2} B";
    }
}
