namespace Btc.Data.Prices;

/// <summary>A half-open span [From, To) of CoinGecko last_updated_at times.</summary>
public readonly record struct PriceWindow(DateTime From, DateTime To)
{
    public static readonly TimeSpan Day = TimeSpan.FromHours(24);

    /// <summary>
    /// The newest instant served. A cycle that starts in minute M stores samples last updated during M - 1,
    /// so the window ends at the start of M - 1: a minute still being written is never served.
    /// </summary>
    public static DateTime LatestEnd(DateTime utcNow) =>
        new DateTime(utcNow.Ticks - utcNow.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc).AddMinutes(-1);

    /// <summary>The last 24 hours up to <see cref="LatestEnd"/>.</summary>
    public static PriceWindow LastDay(DateTime utcNow)
    {
        var end = LatestEnd(utcNow);
        return new PriceWindow(end - Day, end);
    }
}
