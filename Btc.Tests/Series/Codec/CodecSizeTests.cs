using Btc.Data.History.Series.Codec;
using Xunit.Abstractions;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// Bytes per coin-minute on synthetic CoinGecko-shaped data (issue 22's goal: ≤ 60 for all 62 currencies) and on
/// independent walks (≤ 300), with what the bytes are spent on.
/// </summary>
public sealed class CodecSizeTests(ITestOutputHelper output)
{
    // 16 coins × 24 hours: the figures within a few percent of 40 coins', in a third of the time.
    private const int Coins = 16;

    [Fact]
    public void CoinGecko_shaped_hours_take_under_60_bytes_a_coin_minute()
    {
        var figures = Measure(new CoinGeckoShapedData(seed: 2026), independent: false, piecesPerHour: 1);
        figures.PerCoinMinute.Should().BeLessThan(60);
        figures.Modes.GetValueOrDefault(ColumnMode.Predicted).Should().BeGreaterThan(figures.Columns * 95 / 100,
            "the shared rates predict almost every column");
    }

    [Fact]
    public void CoinGecko_shaped_quarters_take_under_60_bytes_a_coin_minute()
    {
        var figures = Measure(new CoinGeckoShapedData(seed: 2026), independent: false, piecesPerHour: 4);
        figures.PerCoinMinute.Should().BeLessThan(60);
    }

    [Fact]
    public void CoinGecko_shaped_hours_predicted_from_an_unrounded_usd_still_take_under_60_bytes_a_coin_minute()
    {
        var figures = Measure(new CoinGeckoShapedData(seed: 2026, unroundedUsd: true), independent: false, 1);
        figures.PerCoinMinute.Should().BeLessThan(60);
    }

    /// <summary>
    /// A 15-digit walk carries about log2(σ · m · √(2πe)) bits a value (σ its volatility a minute, m ~ 3·10^14 its
    /// mantissa): ~38 at σ = 2·10^-4, so 62 independent walks fit 300 bytes only if coins move less than ~10^-4.
    /// </summary>
    [Fact]
    public void Independent_calm_walks_take_under_300_bytes_a_coin_minute()
    {
        var data = new CoinGeckoShapedData(seed: 2026, calmest: 1e-5, wildest: 1e-4);
        Measure(data, independent: true, piecesPerHour: 1).PerCoinMinute.Should().BeLessThan(300);
    }

    [Fact]
    public void Independent_walks_cost_within_a_tenth_of_their_information_content()
    {
        var figures = Measure(new CoinGeckoShapedData(seed: 2026), independent: true, piecesPerHour: 1);
        ((double)figures.Bytes).Should().BeLessThan(1.1 * figures.InformationBytes);
    }

    private Figures Measure(CoinGeckoShapedData data, bool independent, int piecesPerHour)
    {
        var figures = new Figures();
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
}
