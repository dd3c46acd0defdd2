using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// Equality to the bit: a decoded value must have the stored double's exact pattern (-0.0 is not 0.0).
/// </summary>
internal static class CodecAssert
{
    public static void SameBits(PieceData actual, PieceData expected)
    {
        actual.Seconds.Should().Equal(expected.Seconds);
        actual.Columns.Should().HaveCount(expected.Columns.Length);
        for (var c = 0; c < expected.Columns.Length; c++)
            SameBits(actual.Columns[c], expected.Columns[c], $"column {c}");
    }

    public static void SameBits(double?[] actual, double?[] expected, string what)
    {
        Bits(actual).Should().Equal(Bits(expected), what);
    }

    /// <summary>Encodes, decodes whole and column by column, and checks both against the input.</summary>
    public static byte[] RoundTrips(PieceData piece, PieceRates? rates = null)
    {
        var bytes = SeriesPieceCodec.Encode(piece, rates);
        SameBits(SeriesPieceCodec.Decode(bytes, rates), piece);
        SeriesPieceCodec.DecodeSeconds(bytes).Should().Equal(piece.Seconds);
        for (var c = 0; c < piece.Columns.Length; c++)
        {
            var columnRates = rates?.ByColumn.ElementAtOrDefault(c) ?? new double?[piece.Seconds.Length];
            SameBits(SeriesPieceCodec.DecodeColumn(bytes, c, columnRates), piece.Columns[c], $"column {c} alone");
        }
        var layout = SeriesPieceCodec.Inspect(bytes);
        (layout.HeaderBytes + layout.TimeBytes + layout.Columns.Sum(c => c.Bytes)).Should().Be(bytes.Length);
        return bytes;
    }

    private static long?[] Bits(double?[] values) =>
        values.Select(v => v is { } d ? BitConverter.DoubleToInt64Bits(d) : (long?)null).ToArray();
}
