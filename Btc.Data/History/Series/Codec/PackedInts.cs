using System.Numerics;

namespace Btc.Data.History.Series.Codec;

/// <summary>
/// A run of unsigned integers (zigzagged residuals or deltas) bit-packed at one width, the few that do not fit listed
/// apart as (gap, value) varints: patched frame of reference, as ALP and PFOR do. A run of zeros costs two bytes, so a
/// predicted column that predicts every value costs its header only.
/// </summary>
internal static class PackedInts
{
    public static void Write(ByteWriter writer, ReadOnlySpan<ulong> values)
    {
        var width = BestWidth(values);
        var limit = ByteWriter.Mask(width);
        writer.Byte((byte)width);
        var outliers = 0;
        foreach (var value in values)
        {
            outliers += value > limit ? 1 : 0;
            if (width > 0)
                writer.Bits(value > limit ? 0 : value, width);
        }
        writer.FlushBits();
        writer.VarUInt((ulong)outliers);
        var last = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] <= limit)
                continue;
            writer.VarUInt((ulong)(i - last));
            writer.VarUInt(values[i]);
            last = i;
        }
    }

    public static void Read(ref ByteReader reader, Span<ulong> values)
    {
        int width = reader.Byte();
        if (width > 64)
            throw new InvalidDataException("A packed width is over 64 bits.");
        if (width == 0)
            values.Clear();
        else
            reader.Packed(values, width);
        var outliers = reader.Count();
        var at = 0;
        for (var k = 0; k < outliers; k++)
        {
            at += reader.Count();
            if ((uint)at >= (uint)values.Length)
                throw new InvalidDataException("A patched value is out of range.");
            values[at] = reader.VarUInt();
        }
    }

    /// <summary>
    /// The width that makes packed bits plus listed outliers smallest, from a histogram of bit lengths.
    /// </summary>
    private static int BestWidth(ReadOnlySpan<ulong> values)
    {
        Span<int> byLength = stackalloc int[65];
        foreach (var value in values)
            byLength[64 - BitOperations.LeadingZeroCount(value)]++;
        var (best, bestCost) = (64, long.MaxValue);
        for (var width = 64; width >= 0; width--)
        {
            long cost = ((long)values.Length * width + 7) / 8;
            for (var length = width + 1; length <= 64; length++)
                cost += byLength[length] * (2L + (length + 6) / 7);
            if (cost <= bestCost)
                (best, bestCost) = (width, cost);
        }
        return best;
    }
}
