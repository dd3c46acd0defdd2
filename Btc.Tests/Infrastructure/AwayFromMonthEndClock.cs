namespace Btc.Tests.Infrastructure;

/// <summary>
/// The real clock, set back half an hour when the calendar month ends within a quarter of an hour: a test that counts
/// a month's calls runs within one month whatever the day it runs on, without waiting for the month to turn. Only
/// ever behind the real clock, so that Hangfire's firings (on the real clock) are never late by it.
/// </summary>
public sealed class AwayFromMonthEndClock : TimeProvider
{
    private readonly TimeSpan _offset;

    public AwayFromMonthEndClock(DateTimeOffset realNow)
    {
        var monthEnd = new DateTimeOffset(realNow.Year, realNow.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        _offset = monthEnd - realNow < TimeSpan.FromMinutes(15) ? TimeSpan.FromMinutes(-30) : TimeSpan.Zero;
    }

    public AwayFromMonthEndClock() : this(System.GetUtcNow())
    {
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;
}
