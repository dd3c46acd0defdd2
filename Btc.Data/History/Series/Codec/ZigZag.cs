namespace Btc.Data.History.Series.Codec;

/// <summary>Signed to unsigned so that small magnitudes of either sign become small numbers.</summary>
internal static class ZigZag
{
    public static ulong Encode(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long Decode(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}
