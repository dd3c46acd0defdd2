namespace Btc.Worker.Polling;

public static class TrackedCoins
{
    /// <summary>The ids to poll out of a coin list, as the options say.</summary>
    public static IReadOnlyList<string> Select(IEnumerable<string> listed, PollingOptions options)
    {
        var ids = listed.Distinct(StringComparer.Ordinal).Order(CodePointComparer.Instance).ToArray();
        return options.Mode switch
        {
            TrackingMode.All => ids,
            TrackingMode.List => ids.Intersect(options.CoinList, StringComparer.Ordinal).ToArray(),
            _ when ids.Length <= 2 * options.Edge => ids,
            _ => [.. ids[..options.Edge], .. ids[^options.Edge..]],
        };
    }
}
