namespace Btc.Data.History.Series.Codec;

/// <summary>
/// A piece's sample times (seconds after its start, ascending): the first, then each gap, stored either as the change
/// from the previous gap (delta-of-delta: steady cadences) or as the difference from the median gap (a minute cadence
/// with jitter, where each gap's error is independent of the last); whichever is smaller.
/// </summary>
internal static class SampleTimes
{
    public static void Write(ByteWriter writer, ReadOnlySpan<int> seconds)
    {
        if (seconds.IsEmpty)
            return;
        writer.VarInt(seconds[0]);
        var gaps = new long[seconds.Length - 1];
        for (var i = 1; i < seconds.Length; i++)
            gaps[i - 1] = (long)seconds[i] - seconds[i - 1];
        var median = gaps.Length == 0 ? 0 : gaps.Order().ElementAt(gaps.Length / 2);
        var (byChange, byMedian) = (new ByteWriter(), new ByteWriter());
        var changes = new ulong[gaps.Length];
        var offsets = new ulong[gaps.Length];
        for (var i = 0; i < gaps.Length; i++)
        {
            changes[i] = ZigZag.Encode(gaps[i] - (i == 0 ? 0 : gaps[i - 1]));
            offsets[i] = ZigZag.Encode(gaps[i] - median);
        }
        PackedInts.Write(byChange, changes);
        byMedian.VarInt(median);
        PackedInts.Write(byMedian, offsets);
        var useMedian = byMedian.Length < byChange.Length;
        writer.Byte(useMedian ? (byte)1 : (byte)0);
        writer.Bytes((useMedian ? byMedian : byChange).ToArray());
    }

    public static int[] Read(ref ByteReader reader, int count)
    {
        var seconds = new int[count];
        if (count == 0)
            return seconds;
        seconds[0] = checked((int)reader.VarInt());
        var useMedian = reader.Byte() == 1;
        var median = useMedian ? reader.VarInt() : 0;
        var values = new ulong[count - 1];
        PackedInts.Read(ref reader, values);
        var gap = 0L;
        for (var i = 1; i < count; i++)
        {
            var v = ZigZag.Decode(values[i - 1]);
            gap = useMedian ? median + v : gap + v;
            seconds[i] = checked((int)(seconds[i - 1] + gap));
        }
        return seconds;
    }
}
