using Btc.Worker.Polling;

namespace Btc.Tests.Ingestion;

public sealed class TrackedCoinsTests
{
    private static readonly string[] Ids =
        ["zeta", "-2", "boringdao-[old]", "1move token", "01coin", "0-knowledge-network", "Zeta", "_x", "\uFF21wide",
            "\U0001F600emoji"];

    [Fact]
    public void Edges_are_taken_in_code_point_order_like_python_sorted()
    {
        var picked = TrackedCoins.Select(Ids, new PollingOptions { Edge = 3 });

        // sorted() in Python: '-' < '0' < '1' < 'Z' < '_' < 'b' < 'z' < U+FF21 < U+1F600
        picked.Should().Equal("-2", "0-knowledge-network", "01coin", "zeta", "\uFF21wide", "\U0001F600emoji");
    }

    [Fact]
    public void All_mode_tracks_every_coin_and_list_mode_only_the_listed_ones_that_exist()
    {
        TrackedCoins.Select(Ids, new PollingOptions { Mode = TrackingMode.All }).Should().HaveCount(Ids.Length);
        TrackedCoins.Select(Ids, new PollingOptions { Mode = TrackingMode.List, Coins = "zeta, 1move token,missing" })
            .Should().Equal("1move token", "zeta");
    }

    [Fact]
    public void A_list_shorter_than_both_edges_is_tracked_whole()
    {
        TrackedCoins.Select(Ids, new PollingOptions { Edge = 500 }).Should().HaveCount(Ids.Length);
    }
}
