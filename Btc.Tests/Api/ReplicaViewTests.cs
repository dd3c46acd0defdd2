using Btc.Api.Replicas;
using Btc.Data.Replicas;

namespace Btc.Tests.Api;

/// <summary>How a replica merges the others' heartbeats and notices into the counts its stream cap adds up.</summary>
public sealed class ReplicaViewTests
{
    private static readonly Guid Other = Guid.NewGuid();

    [Fact]
    public void A_notice_newer_than_a_heartbeat_read_after_it_is_kept_and_an_older_one_is_not()
    {
        var view = new ReplicaView();
        view.Read([Beat(view.Self, 0), Beat(Other, 4, ("a", 2), ("b", 1))]);

        view.Noticed(new StreamNotice(Other, "a", 3, 6));
        view.Noticed(new StreamNotice(Other, "b", 5, 3));
        // A heartbeat written before the notice's change (as of change 5), read after it.
        view.Read([Beat(view.Self, 0), Beat(Other, 5, ("a", 2), ("b", 2))]);

        view.OthersStreams("a").Should().Be(3, "the notice of change 6 is newer than the heartbeat of change 5");
        view.OthersStreams("b").Should().Be(2, "the notice of change 3 is older than both heartbeats");
        view.Count.Should().Be(2);
    }

    [Fact]
    public void A_replica_missing_from_a_read_stops_counting_and_its_own_notices_are_ignored()
    {
        var view = new ReplicaView();
        view.Read([Beat(view.Self, 0), Beat(Other, 1, ("a", 4))]);
        view.Noticed(new StreamNotice(view.Self, "a", 9, 100));

        view.OthersStreams("a").Should().Be(4, "a replica counts its own streams itself");
        view.Read([Beat(view.Self, 0)]);

        view.OthersStreams("a").Should().Be(0);
        view.Count.Should().Be(1);
    }

    [Fact]
    public void A_replica_heard_before_it_is_read_counts_from_its_notices()
    {
        var view = new ReplicaView();
        view.Read([Beat(view.Self, 0)]);

        view.Noticed(new StreamNotice(Other, "a", 1, 1));
        view.Noticed(new StreamNotice(Other, "a", 2, 2));

        view.OthersStreams("a").Should().Be(2);
    }

    private static ReplicaBeat Beat(Guid replica, long version, params (string Client, int Count)[] streams) =>
        new(replica, streams.ToDictionary(s => s.Client, s => s.Count), version);
}
