namespace Btc.Data.Prices;

internal static class UnixTime
{
    public static DateTime ToDateTime(long seconds) => DateTime.UnixEpoch.AddSeconds(seconds);

    /// <summary>
    /// The first whole unix second at or after <paramref name="at"/>: [from, to) in seconds keeps what [from, to)
    /// keeps.
    /// </summary>
    public static long CeilingSeconds(DateTime at) =>
        (at.Ticks - DateTime.UnixEpoch.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
}
