using Btc.Data.Backfill;

namespace Btc.Tests.Backfill;

public sealed class BackfillProgressTests
{
    private static readonly DateTime Found = new(2026, 11, 30, 3, 23, 0, DateTimeKind.Utc);

    [Fact]
    public void The_time_left_is_paced_over_a_minute_at_least_so_a_first_burst_does_not_promise_too_soon()
    {
        // The measured run: 78 calls spent in the first seconds of each minute, 1,000 to make.
        new BackfillProgress(1, 1_000, 78, 78, 142, Found)
            .Left(Found.AddSeconds(10)).Should().BeCloseTo(TimeSpan.FromMinutes(922 / 78.0), TimeSpan.FromSeconds(1));
        new BackfillProgress(1, 1_000, 546, 546, 1_000, Found).Left(Found.AddMinutes(7))
            .Should().BeCloseTo(TimeSpan.FromMinutes(7 * 454 / 546.0), TimeSpan.FromSeconds(1));
        new BackfillProgress(1, 1_000, 0, 0, 0, Found)
            .Left(Found.AddMinutes(1)).Should().BeNull("nothing is done yet to pace it by");
        new BackfillProgress(1, 1_000, 78, 78, 142, Found).Describe(Found.AddSeconds(50))
            .Should().Be("8% (78 of 1,000 coin-currencies, 78 calls, 142 points), ~12 min left");
        new BackfillProgress(0, 0, 0, 0, 0, null).Percent.Should().Be(100);
    }
}
