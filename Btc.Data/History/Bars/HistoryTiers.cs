namespace Btc.Data.History.Bars;

/// <summary>
/// What each tier holds now: minute samples from <see cref="MinutesFrom"/>, hour bars from <see cref="HoursFrom"/>, day
/// bars always.
/// </summary>
/// <param name="BarsUntil">Days before it are rolled up into stored bars; bars from it on are computed from the minute
/// samples.</param>
public sealed record HistoryTiers(DateTime MinutesFrom, DateTime HoursFrom, DateTime BarsUntil)
{
    /// <summary>The finest tier that holds every time from <paramref name="from"/> on.</summary>
    public BarInterval FinestFrom(DateTime from) =>
        from >= MinutesFrom ? BarInterval.Minute : from >= HoursFrom ? BarInterval.Hour : BarInterval.Day;
}
