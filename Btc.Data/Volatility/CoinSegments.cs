namespace Btc.Data.Volatility;

/// <summary>One coin's statistics over one stretch of time in every currency, indexed by currency_key - 1.</summary>
public sealed class CoinSegments
{
    private CoinSegments(SegmentStats[] byCurrency) => ByCurrency = byCurrency;

    public CoinSegments(int currencySlots) : this(new SegmentStats[currencySlots])
    {
    }

    public SegmentStats[] ByCurrency { get; }

    /// <summary>This stretch followed by <paramref name="later"/>.</summary>
    public void Append(CoinSegments later)
    {
        for (var i = 0; i < Math.Min(ByCurrency.Length, later.ByCurrency.Length); i++)
            ByCurrency[i] = SegmentStats.Merge(ByCurrency[i], later.ByCurrency[i]);
    }

    /// <summary>The stored form: <see cref="SegmentStats.Bytes"/> per currency (see M005).</summary>
    public byte[] Encode()
    {
        var stored = new byte[ByCurrency.Length * SegmentStats.Bytes];
        for (var i = 0; i < ByCurrency.Length; i++)
            ByCurrency[i].WriteTo(stored.AsSpan(i * SegmentStats.Bytes, SegmentStats.Bytes));
        return stored;
    }

    /// <summary>Reads the stored form; currencies added since it was written are empty.</summary>
    public static CoinSegments Decode(ReadOnlySpan<byte> stored, int currencySlots)
    {
        var segments = new CoinSegments(currencySlots);
        for (var i = 0; i < Math.Min(currencySlots, stored.Length / SegmentStats.Bytes); i++)
            segments.ByCurrency[i] = SegmentStats.ReadFrom(stored.Slice(i * SegmentStats.Bytes, SegmentStats.Bytes));
        return segments;
    }
}
