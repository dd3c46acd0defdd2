namespace Btc.Data.History.Series.Codec;

/// <summary>Reads what <see cref="ColumnEncoder"/> wrote: a column's present values, in order.</summary>
internal static class ColumnDecoder
{
    /// <summary>
    /// Fills <paramref name="values"/> (one per present value). <see cref="ColumnMode.Predicted"/> needs the base
    /// values and the rates the encoder was given, aligned with the present values.
    /// </summary>
    public static void Decode(ColumnMode mode, ref ByteReader reader, Span<double> values,
        ReadOnlySpan<double> bases, ReadOnlySpan<double> rates)
    {
        switch (mode)
        {
            case ColumnMode.Raw:
                for (var i = 0; i < values.Length; i++)
                    values[i] = reader.Double();
                break;
            case ColumnMode.Xor:
                Xor(ref reader, values);
                break;
            case ColumnMode.Decimal:
                Decimal(ref reader, values);
                break;
            case ColumnMode.Predicted:
                Predicted(ref reader, values, bases, rates);
                break;
            default:
                throw new InvalidDataException($"Unknown column mode {mode}.");
        }
    }

    private static void Xor(ref ByteReader reader, Span<double> values)
    {
        var previous = 0L;
        for (var i = 0; i < values.Length; i++)
        {
            var control = reader.Byte();
            if (control == 0xFF)
            {
                var run = reader.Count();
                if (run == 0 || run > values.Length - i)
                    throw new InvalidDataException("A run of repeats is out of range.");
                values.Slice(i, run).Fill(BitConverter.Int64BitsToDouble(previous));
                i += run - 1;
                continue;
            }
            var (above, below) = (control >> 3, control & 7);
            var xor = 0UL;
            for (var b = below; b < 8 - above; b++)
                xor |= (ulong)reader.Byte() << (8 * b);
            previous ^= (long)xor;
            values[i] = BitConverter.Int64BitsToDouble(previous);
        }
    }

    private static void Decimal(ref ByteReader reader, Span<double> values)
    {
        var q = (int)reader.VarInt();
        if (Math.Abs(q) > Decimal15.MaxScale)
            throw new InvalidDataException("A decimal scale is out of range.");
        Span<bool> isOutlier = values.Length <= 1024 ? stackalloc bool[values.Length] : new bool[values.Length];
        isOutlier.Clear();
        Outliers.Read(ref reader, values, isOutlier);
        var deltas = new ulong[values.Length];
        PackedInts.Read(ref reader, deltas);
        var m = 0L;
        for (var i = 0; i < values.Length; i++)
        {
            if (isOutlier[i])
                continue;
            m += ZigZag.Decode(deltas[i]);
            values[i] = Decimal15.ToDouble(m, q);
        }
    }

    private static void Predicted(ref ByteReader reader, Span<double> values,
        ReadOnlySpan<double> bases, ReadOnlySpan<double> rates)
    {
        var flags = reader.AtEnd ? 0 : reader.Byte();
        Span<bool> isOutlier = values.Length <= 1024 ? stackalloc bool[values.Length] : new bool[values.Length];
        isOutlier.Clear();
        if ((flags & 1) != 0)
            Outliers.Read(ref reader, values, isOutlier);
        var digits = ReadOrZeros(ref reader, (flags & 2) != 0, values.Length);
        var ulps = ReadOrZeros(ref reader, (flags & 4) != 0, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (isOutlier[i])
                continue;
            if (Decimal15.Round15(bases[i] * rates[i]) is not { } prediction)
                throw new InvalidDataException("A predicted value lacks its base value or rate (not the encoder's?).");
            var near = Decimal15.ToDouble(prediction.M + ZigZag.Decode(digits[i]), prediction.Q);
            values[i] = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(near) + ZigZag.Decode(ulps[i]));
        }
    }

    private static ulong[] ReadOrZeros(ref ByteReader reader, bool written, int length)
    {
        var values = new ulong[length];
        if (written)
            PackedInts.Read(ref reader, values);
        return values;
    }
}
