namespace Btc.Data.Live;

/// <summary>
/// What one page stored, as the live streams push it: its position on the commit cursor, when it committed, and its
/// samples in coin-key order.
/// </summary>
public sealed record CommittedPage(long Position, DateTime CommittedAt, IReadOnlyList<CommittedSample> Samples)
{
    /// <summary>The page's sample of <paramref name="coinKey"/>, if it stored one.</summary>
    public CommittedSample? Find(int coinKey)
    {
        var (low, high) = (0, Samples.Count - 1);
        while (low <= high)
        {
            var middle = (low + high) >> 1;
            var key = Samples[middle].CoinKey;
            if (key == coinKey)
                return Samples[middle];
            (low, high) = key < coinKey ? (middle + 1, high) : (low, middle - 1);
        }
        return null;
    }
}

/// <summary>A stored sample: its coin, CoinGecko's update time, and its prices indexed by currency key.</summary>
public sealed record CommittedSample(int CoinKey, string CoinId, long UnixSeconds, double?[] PricesByCurrencyKey)
{
    public double? Price(short currencyKey) =>
        currencyKey < PricesByCurrencyKey.Length ? PricesByCurrencyKey[currencyKey] : null;
}

/// <summary>
/// The positions a stream may resume from: after <see cref="ResumableAfter"/> (older ones were dropped with the
/// minute samples) up to <see cref="Latest"/>, the last committed.
/// </summary>
public readonly record struct CursorSpan(long ResumableAfter, long Latest);
