namespace Btc.Worker.Backfill;

/// <summary>
/// The market_chart/range calls a gap takes. CoinGecko answers 5-minute points only when the range starts within a
/// day of now, hourly beyond: a gap reaching further back is asked in two (the older part only when it is an hour or
/// more long, since shorter holds at most one hourly point), so its recent part keeps 5-minute points.
/// </summary>
public static class FillRanges
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    // The call reaches CoinGecko a moment after it is planned: a range starting exactly a day ago would be older by then.
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    public static IReadOnlyList<(DateTime From, DateTime Until)> Of(DateTime from, DateTime until, DateTime now)
    {
        var cut = now - Day + Margin;
        if (from >= cut || until <= cut)
            return [(from, until)];
        return cut - from >= TimeSpan.FromHours(1) ? [(from, cut), (cut, until)] : [(cut, until)];
    }
}
