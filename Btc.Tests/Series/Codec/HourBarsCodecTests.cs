using Btc.Data.History.Series.Codec;
using Xunit.Abstractions;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// A coin's day of hour bars round trips to the bit, and CoinGecko-shaped bars take under 600 B a coin-hour.
/// </summary>
public sealed class HourBarsCodecTests(ITestOutputHelper output)
{
    [Fact]
    public void CoinGecko_shaped_and_independent_bars_round_trip_whole_and_by_currency()
    {
        foreach (var independent in new[] { false, true })
        {
            var (bars, rates) = HourBarsShape.Of(new CoinGeckoShapedData(seed: 3).CoinDay(independent));
            RoundTrips(bars, independent ? null : rates);
        }
    }

    [Fact]
    public void Adversarial_values_runs_missing_hours_jumping_and_null_rates_round_trip()
    {
        var (bars, rates) = HourBarsShape.Of(new CoinGeckoShapedData(seed: 4).CoinDay(independent: false));
        var random = new Random(4);
        double?[] odd = [1e-300, -1e-300, 1e300, double.MaxValue, double.Epsilon, -0.0, 0.0, 0.1 + 0.2,
            2.2250738585072009e-308, BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x7FE0_0000_0000_0000))];
        var high = bars.High.Columns.Select(c => (double?[])c.Clone()).ToArray();
        var counts = bars.Counts.Select(c => (int[])c.Clone()).ToArray();
        for (var h = 0; h < 24; h++)
        {
            high[2][h] = odd[h % odd.Length];
            (high[30][h], counts[30][h]) = h % 5 == 0 ? (null, 0) : (high[30][h], counts[30][h]);
            counts[31][h] = random.Next(0, 100);
        }
        var low = bars.Low.Columns.Select(c => (double?[])c.Clone()).ToArray();
        Array.Fill(low[5], 42.4242424242424);
        var highRates = rates.High!.ByColumn.Select(r => (double?[]?)r!.Clone()).ToArray();
        for (var h = 0; h < 24; h++)
            (highRates[20]![h], highRates[21]![h]) = (h < 12 ? highRates[20]![h] * 3 : highRates[20]![h], null);
        highRates[22] = null;
        RoundTrips(bars with
            {
                High = bars.High with { Columns = high }, Low = bars.Low with { Columns = low }, Counts = counts,
            },
            rates with { High = rates.High with { ByColumn = highRates } });
    }

    [Fact]
    public void A_day_without_bars_and_a_day_of_one_hour_round_trip()
    {
        var none = PieceData.Empty(62);
        RoundTrips(new HourBarsData(none, none, none, none, new int[62][].Select(_ => Array.Empty<int>()).ToArray()));
        var (bars, rates) = HourBarsShape.Of(new CoinGeckoShapedData(seed: 5).CoinDay(false, hours: 1));
        RoundTrips(bars, rates);
    }

    [Fact]
    public void CoinGecko_shaped_bars_take_under_600_bytes_a_coin_hour_without_the_means()
    {
        var data = new CoinGeckoShapedData(seed: 2026);
        var (bytes, means, hours) = (0L, 0L, 0L);
        var fields = new long[4];
        for (var coin = 0; coin < 40; coin++)
        {
            var (bars, rates) = HourBarsShape.Of(data.CoinDay(independent: false));
            var layout = HourBarsCodec.Inspect(HourBarsCodec.Encode(bars, rates));
            (bytes, means, hours) = (bytes + layout.Bytes - layout.MeanBytes, means + layout.MeanBytes, hours + 24);
            for (var f = 0; f < 4; f++)
                fields[f] += layout.Fields[f].Bytes;
        }
        output.WriteLine($"hour bars: {(double)bytes / hours:F1} B per coin-hour (open, high, low, close, count)");
        output.WriteLine($"  open {fields[0] / hours} B, high {fields[1] / hours} B, low {fields[2] / hours} B," +
            $" close {fields[3] / hours} B; the means apart: {(double)means / hours:F1} B");
        ((double)bytes / hours).Should().BeLessThan(600);
    }

    private static void RoundTrips(HourBarsData bars, HourBarsRates? rates = null)
    {
        var bytes = HourBarsCodec.Encode(bars, rates);
        var decoded = HourBarsCodec.Decode(bytes, rates);
        for (var f = 0; f < 4; f++)
            CodecAssert.SameBits(decoded.Fields[f], bars.Fields[f]);
        decoded.Counts.Should().BeEquivalentTo(bars.Counts, o => o.WithStrictOrdering());
        if (bars.Means is { } means)
            CodecAssert.SameBits(decoded.Means!, means);
        var seconds = HourBarsCodec.DecodeSeconds(bytes);
        for (var c = 0; c < bars.Counts.Length; c++)
        {
            var column = HourBarsCodec.DecodeColumn(bytes, c, rates?.Fields.Select(r => r?.ByColumn[c]).ToArray()
                ?? new double?[]?[4]);
            double?[][] fields = [column.Open, column.High, column.Low, column.Close];
            for (var f = 0; f < 4; f++)
                CodecAssert.SameBits(fields[f], bars.Fields[f].Columns[c], $"field {f} of column {c} alone");
            column.Count.Should().Equal(bars.Counts[c]);
        }
        seconds.Select(s => s.Length).Should().AllBeEquivalentTo(bars.Open.Seconds.Length);
    }
}
