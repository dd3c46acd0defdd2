namespace Btc.Data.History.Series.Codec;

/// <summary>A column of a piece with its presence bitmap: values where the column has them, null elsewhere.</summary>
internal static class PieceColumns
{
    public static (ColumnMode Mode, bool HasBitmap, byte[] Payload) Encode(
        double?[] values, double?[]? baseValues, double?[]? rates)
    {
        if (rates is not null && rates.Length != values.Length)
            throw new ArgumentException("A column's rates are aligned with the piece's sample times.", nameof(rates));
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        if (present.Length == 0)
            return (ColumnMode.Absent, false, []);
        var (bases, factors) = (Array.Empty<double>(), Array.Empty<double>());
        if (baseValues is not null && rates is not null)
        {
            bases = new double[present.Length];
            factors = new double[present.Length];
            for (int i = 0, k = 0; i < values.Length; i++)
            {
                if (values[i].HasValue)
                    (bases[k], factors[k++]) = (baseValues[i] ?? double.NaN, rates[i] ?? double.NaN);
            }
        }
        var (mode, payload) = ColumnEncoder.Encode(present, bases, factors);
        var hasBitmap = present.Length < values.Length;
        if (!hasBitmap)
            return (mode, false, payload);
        var writer = new ByteWriter(payload.Length + values.Length / 8 + 1);
        foreach (var value in values)
            writer.Bits(value.HasValue ? 1UL : 0UL, 1);
        writer.FlushBits();
        writer.Bytes(payload);
        return (mode, true, writer.ToArray());
    }

    public static double?[] Decode(ReadOnlySpan<byte> bytes, PieceHeader header, int column,
        double?[]? baseValues, ReadOnlySpan<double?> rates)
    {
        var n = header.Samples;
        var result = new double?[n];
        var layout = header.Columns[column];
        if (layout.Mode == ColumnMode.Absent)
            return result;
        var reader = new ByteReader(header.Payload(bytes, column));
        var positions = Positions(ref reader, n, layout.HasBitmap);
        var values = new double[positions.Length];
        var (bases, factors) = (Array.Empty<double>(), Array.Empty<double>());
        if (layout.Mode == ColumnMode.Predicted)
        {
            if (baseValues is null || rates.Length != n)
                throw new ArgumentException("A predicted column is decoded with the rates it was encoded with.");
            (bases, factors) = (new double[positions.Length], new double[positions.Length]);
            for (var k = 0; k < positions.Length; k++)
                (bases[k], factors[k]) = (baseValues[positions[k]] ?? double.NaN, rates[positions[k]] ?? double.NaN);
        }
        ColumnDecoder.Decode(layout.Mode, ref reader, values, bases, factors);
        for (var k = 0; k < positions.Length; k++)
            result[positions[k]] = values[k];
        return result;
    }

    private static int[] Positions(ref ByteReader reader, int n, bool hasBitmap)
    {
        if (!hasBitmap)
            return Enumerable.Range(0, n).ToArray();
        var positions = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            if (reader.Bits(1) == 1)
                positions.Add(i);
        }
        reader.EndBits();
        return positions.ToArray();
    }
}
