namespace Btc.Worker.Backfill;

/// <summary>
/// The market_chart/range call a gap takes (one per task). CoinGecko answers 5-minute points only when the range
/// starts within a day of now, hourly otherwise: a gap that began to cross that line while it waited in the queue
/// (its first hour at most: gaps longer than a day are recorded as two) is asked from the line on, its oldest minutes
/// left out rather than the whole gap asked hourly; one that reaches further back is asked whole, hourly.
/// </summary>
public static class FillRanges
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    // The call reaches CoinGecko a moment after it is planned: a range starting exactly a day ago would be older by
    // then.
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    public static (DateTime From, DateTime Until) Of(DateTime from, DateTime until, DateTime now)
    {
        var cut = now - Day + Margin;
        if (from >= cut || until <= cut)
            return (from, until);
        return cut - from < TimeSpan.FromHours(1) ? (cut, until) : (from, until);
    }
}
