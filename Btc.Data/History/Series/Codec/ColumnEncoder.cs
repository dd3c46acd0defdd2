using System.Numerics;

namespace Btc.Data.History.Series.Codec;

/// <summary>
/// Encodes one column's present values in every mode that applies and keeps the smallest, so no column costs more
/// than 8 bytes a value (<see cref="ColumnMode.Raw"/>).
/// </summary>
internal static class ColumnEncoder
{
    /// <summary>
    /// <paramref name="bases"/> and <paramref name="rates"/>, aligned with <paramref name="values"/> (NaN where
    /// unknown), allow <see cref="ColumnMode.Predicted"/>; empty spans rule it out.
    /// </summary>
    public static (ColumnMode Mode, byte[] Payload) Encode(
        ReadOnlySpan<double> values, ReadOnlySpan<double> bases, ReadOnlySpan<double> rates)
    {
        var best = (Mode: ColumnMode.Raw, Payload: Raw(values));
        if (!bases.IsEmpty)
        {
            best = Smaller(best, (ColumnMode.Predicted, Predicted(values, bases, rates)));
            // Under a bit a value no walk in time does better (a repeated value excepted): spare the trials.
            if (best.Payload.Length * 8 <= values.Length)
                return best;
        }
        best = Smaller(best, (ColumnMode.Decimal, Decimal(values)));
        best = Smaller(best, (ColumnMode.Xor, Xor(values)));
        return best;
    }

    private static (ColumnMode, byte[]) Smaller((ColumnMode, byte[] Payload) a, (ColumnMode, byte[] Payload) b) =>
        b.Payload.Length < a.Payload.Length ? b : a;

    private static byte[] Raw(ReadOnlySpan<double> values)
    {
        var writer = new ByteWriter(values.Length * 8);
        foreach (var value in values)
            writer.Double(value);
        return writer.ToArray();
    }

    /// <summary>
    /// A control byte (zero bytes above, zero bytes below) and the XOR's middle bytes; 0xFF and a count for a run of
    /// repeats, so a long run of one value costs a few bytes.
    /// </summary>
    private static byte[] Xor(ReadOnlySpan<double> values)
    {
        var writer = new ByteWriter(values.Length * 4);
        var previous = 0L;
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.DoubleToInt64Bits(values[i]);
            var xor = (ulong)(bits ^ previous);
            previous = bits;
            if (xor == 0)
            {
                var run = 1;
                while (i + run < values.Length && BitConverter.DoubleToInt64Bits(values[i + run]) == bits)
                    run++;
                writer.Byte(0xFF);
                writer.VarUInt((ulong)run);
                i += run - 1;
                continue;
            }
            var (above, below) = (BitOperations.LeadingZeroCount(xor) / 8, BitOperations.TrailingZeroCount(xor) / 8);
            writer.Byte((byte)(above << 3 | below));
            for (var b = below; b < 8 - above; b++)
                writer.Byte((byte)(xor >> (8 * b)));
        }
        return writer.ToArray();
    }

    /// <summary>Every scale some value needs, coarsest first up to eight, encoded; the smallest wins.</summary>
    private static byte[] Decimal(ReadOnlySpan<double> values)
    {
        var scales = new SortedSet<int>();
        foreach (var value in values)
        {
            if (value != 0 && Decimal15.ShortestScale(value) is { } q)
                scales.Add(q);
        }
        if (scales.Count == 0)
            scales.Add(0);
        byte[]? best = null;
        foreach (var q in scales.Take(8))
        {
            var payload = DecimalAt(values, q);
            if (best is null || payload.Length < best.Length)
                best = payload;
        }
        return best!;
    }

    private static byte[] DecimalAt(ReadOnlySpan<double> values, int q)
    {
        var outliers = new Outliers();
        var deltas = new ulong[values.Length];
        var previous = 0L;
        for (var i = 0; i < values.Length; i++)
        {
            if (!Decimal15.TryScale(values[i], q, out var m))
            {
                outliers.Add(i, values[i]);
                continue;
            }
            deltas[i] = ZigZag.Encode(m - previous);
            previous = m;
        }
        var writer = new ByteWriter(values.Length * 5 + 16);
        writer.VarInt(q);
        outliers.Write(writer);
        PackedInts.Write(writer, deltas);
        return writer.ToArray();
    }

    /// <summary>
    /// Each value as round15(base × rate) + r units of its 15th digit + u ulps (u is 0 for a decimal answered to 15
    /// digits; it keeps a product such as btc × 10^8 exact). Flags say which of outliers, r and u are written.
    /// </summary>
    private static byte[] Predicted(ReadOnlySpan<double> values, ReadOnlySpan<double> bases, ReadOnlySpan<double> rates)
    {
        var outliers = new Outliers();
        var (digits, ulps) = (new ulong[values.Length], new ulong[values.Length]);
        for (var i = 0; i < values.Length; i++)
        {
            if (!TryResidual(values[i], bases[i] * rates[i], out var r, out var u))
            {
                outliers.Add(i, values[i]);
                continue;
            }
            (digits[i], ulps[i]) = (ZigZag.Encode(r), ZigZag.Encode(u));
        }
        var flags = (outliers.Count > 0 ? 1 : 0) | (digits.Any(d => d != 0) ? 2 : 0) | (ulps.Any(u => u != 0) ? 4 : 0);
        if (flags == 0)
            return []; // every value is its prediction: the column is its table entry alone
        var writer = new ByteWriter(values.Length + 16);
        writer.Byte((byte)flags);
        if ((flags & 1) != 0)
            outliers.Write(writer);
        if ((flags & 2) != 0)
            PackedInts.Write(writer, digits);
        if ((flags & 4) != 0)
            PackedInts.Write(writer, ulps);
        return writer.ToArray();
    }

    private static bool TryResidual(double value, double product, out long digits, out long ulps)
    {
        (digits, ulps) = (0, 0);
        if (Decimal15.Round15(product) is not { } prediction)
            return false;
        var (predicted, q) = prediction;
        if (!(Math.Abs(value * Decimal15.Pow10(-q)) < 9e15))
            return false;
        var m = Decimal15.RoundScaled(value, -q);
        var bits = BitConverter.DoubleToInt64Bits(value);
        var near = BitConverter.DoubleToInt64Bits(Decimal15.ToDouble(m, q));
        // Same sign and close: the ulp distance is then the difference of the bit patterns.
        if ((bits ^ near) < 0 || Math.Abs(bits - near) >= 1L << 20)
            return false;
        (digits, ulps) = (m - predicted, bits - near);
        return true;
    }
}
