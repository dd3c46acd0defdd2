namespace Btc.Tests.Infrastructure;

/// <summary>Real time moved by a fixed offset: a worker near the end of a month without waiting for one.</summary>
public sealed class OffsetClock(TimeSpan offset) : TimeProvider
{
    public static OffsetClock Before(DateTime instant, TimeSpan by) => new(instant - by - DateTime.UtcNow);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
