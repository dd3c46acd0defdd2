using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series.Codec;

/// <summary>Round trips to the bit of pieces over adversarial values; the codec must never lose a bit.</summary>
public sealed class SeriesPieceCodecTests
{
    private static readonly double[] Extremes =
    [
        1e-300, -1e-300, 1e300, -1e300, double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon,
        2.2250738585072014e-308, 2.2250738585072009e-308, 4.9406564584124654e-320, 0.0, -0.0, 1.0, -1.0,
        0.1 + 0.2, 1e-30, 9.99999999999999e57, 1e58, 123456789012345678.0, 9007199254740993.0,
    ];

    [Fact]
    public void Random_bit_patterns_of_finite_doubles_round_trip_with_and_without_rates()
    {
        var random = new Random(22);
        for (var round = 0; round < 20; round++)
        {
            var n = random.Next(1, 90);
            var columns = Columns(5, n, _ => FiniteBits(random));
            var rates = Columns(5, n, _ => random.Next(4) == 0 ? null : FiniteBits(random));
            CodecAssert.RoundTrips(Piece(columns), new PieceRates(round % 5, rates));
            CodecAssert.RoundTrips(Piece(columns));
        }
    }

    [Fact]
    public void Extremes_subnormals_and_negative_zero_round_trip_in_every_column_and_as_rates()
    {
        var n = Extremes.Length;
        var columns = Columns(4, n, i => Extremes[i]);
        columns[1] = Extremes.Reverse().Select(v => (double?)v).ToArray();
        var rates = Columns(4, n, i => Extremes[(i + 3) % n]);
        CodecAssert.RoundTrips(Piece(columns), new PieceRates(0, rates));
        CodecAssert.RoundTrips(Piece(columns), new PieceRates(1, rates));
    }

    [Fact]
    public void Long_runs_of_one_value_round_trip_and_cost_little()
    {
        var columns = Columns(3, 600, i => i < 300 ? 42.4242424242424 : -0.0);
        var bytes = CodecAssert.RoundTrips(Piece(columns));
        SeriesPieceCodec.Inspect(bytes).Columns.Should().OnlyContain(c => c.Bytes < 32, "a run costs a count");
    }

    [Fact]
    public void Values_whose_shortest_decimal_has_17_digits_round_trip()
    {
        var random = new Random(17);
        var columns = Columns(3, 60, i => 0.1 * i + 0.2 + random.NextDouble() * 1e-3);
        CodecAssert.RoundTrips(Piece(columns), new PieceRates(0, Columns(3, 60, _ => 0.9 + random.NextDouble())));
    }

    [Fact]
    public void A_currency_missing_in_some_minutes_and_one_missing_in_all_round_trip()
    {
        var data = new CoinGeckoShapedData(seed: 5).CoinDay(independent: false, hours: 1)[0];
        var columns = data.Piece.Columns.Select(c => (double?[])c.Clone()).ToArray();
        for (var i = 0; i < 60; i += 7)
            (columns[25][i], columns[CoinGeckoShapedData.Usd][i + 3 < 60 ? i + 3 : i]) = (null, null);
        Array.Fill(columns[40], null);
        var bytes = CodecAssert.RoundTrips(data.Piece with { Columns = columns }, data.Rates);
        SeriesPieceCodec.Inspect(bytes).Columns[40].Mode.Should().Be(ColumnMode.Absent);
    }

    [Fact]
    public void A_rate_that_jumps_or_is_null_keeps_every_value_exact()
    {
        var (piece, rates) = new CoinGeckoShapedData(seed: 6).CoinDay(independent: false, hours: 1)[0];
        var byColumn = rates.ByColumn.Select(r => (double?[]?)r!.Clone()).ToArray();
        for (var i = 30; i < 60; i++)
            byColumn[25]![i] *= 1.37;
        for (var i = 0; i < 60; i += 3)
            byColumn[26]![i] = null;
        byColumn[27] = null;
        var bytes = CodecAssert.RoundTrips(piece, rates with { ByColumn = byColumn });
        var layout = SeriesPieceCodec.Inspect(bytes);
        layout.Columns[27].Mode.Should().NotBe(ColumnMode.Predicted, "a column without rates walks on its own");
    }

    [Fact]
    public void Empty_pieces_and_a_single_sample_round_trip()
    {
        CodecAssert.RoundTrips(PieceData.Empty(62));
        CodecAssert.RoundTrips(PieceData.Empty(0));
        CodecAssert.RoundTrips(new PieceData([], []));
        var single = new CoinGeckoShapedData(seed: 7).CoinDay(independent: false, hours: 1)[0];
        var one = new PieceData([single.Piece.Seconds[0]], single.Piece.Columns.Select(c => c[..1]).ToArray());
        CodecAssert.RoundTrips(one, new PieceRates(CoinGeckoShapedData.Usd,
            single.Rates.ByColumn.Select(r => r?[..1]).ToArray()));
    }

    [Fact]
    public void CoinGecko_shaped_columns_are_predicted_and_independent_ones_walk_as_decimals()
    {
        var shaped = new CoinGeckoShapedData(seed: 8).CoinDay(independent: false, hours: 2);
        foreach (var (piece, rates) in shaped)
        {
            var layout = SeriesPieceCodec.Inspect(CodecAssert.RoundTrips(piece, rates));
            layout.Columns[CoinGeckoShapedData.Usd].Mode.Should().Be(ColumnMode.Decimal);
            layout.Columns.Count(c => c.Mode == ColumnMode.Predicted).Should().Be(CoinGeckoShapedData.Currencies - 1);
        }
        foreach (var (piece, rates) in new CoinGeckoShapedData(seed: 9).CoinDay(independent: true, hours: 2))
        {
            var layout = SeriesPieceCodec.Inspect(CodecAssert.RoundTrips(piece, rates));
            layout.Columns.Should().OnlyContain(c => c.Mode == ColumnMode.Decimal);
        }
    }

    [Fact]
    public void Sats_as_the_double_product_of_btc_and_1e8_stays_exact_and_predicted()
    {
        var (piece, rates) = new CoinGeckoShapedData(seed: 10).CoinDay(independent: false, hours: 1)[0];
        var columns = piece.Columns.ToArray();
        columns[61] = columns[0].Select(v => v * 1e8).ToArray();
        var bytes = CodecAssert.RoundTrips(piece with { Columns = columns }, rates);
        SeriesPieceCodec.Inspect(bytes).Columns[61].Mode.Should().Be(ColumnMode.Predicted);
    }

    [Fact]
    public void A_truncated_piece_is_refused_not_misread()
    {
        var (piece, rates) = new CoinGeckoShapedData(seed: 11).CoinDay(independent: false, hours: 1)[0];
        var bytes = SeriesPieceCodec.Encode(piece, rates);
        var act = () => SeriesPieceCodec.Decode(bytes.AsSpan(0, bytes.Length / 2), rates);
        act.Should().Throw<InvalidDataException>();
    }

    internal static PieceData Piece(double?[][] columns) =>
        new(Enumerable.Range(0, columns[0].Length).Select(i => 60 * i + i % 7).ToArray(), columns);

    private static double?[][] Columns(int count, int n, Func<int, double?> value) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, n).Select(value).ToArray()).ToArray();

    private static double FiniteBits(Random random)
    {
        while (true)
        {
            var value = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(value))
                return value;
        }
    }
}
