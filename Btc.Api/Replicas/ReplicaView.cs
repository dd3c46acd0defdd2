using System.Diagnostics;
using Btc.Data.Replicas;

namespace Btc.Api.Replicas;

/// <summary>
/// What this API process knows of the live replicas (itself included): how many they are, for each one's share of
/// a client's request rate, and the other replicas' open streams per client, for the stream cap. Read at every
/// heartbeat (<see cref="ReplicaHeartbeat"/>); a stream count also as soon as a replica notices it. Without a
/// heartbeat read for <see cref="ReplicaHeartbeat.LiveFor"/> (the database away) it stands alone: the limits
/// become this replica's own, too generous by the number of replicas, and nothing fails.
/// </summary>
public sealed class ReplicaView
{
    private readonly object _lock = new();
    private Dictionary<Guid, Peer> _peers = [];
    private long _lastRead = long.MinValue;
    private volatile int _count = 1;

    public Guid Self { get; } = Guid.NewGuid();

    /// <summary>The live replicas, this one included: at least 1.</summary>
    public int Count => _count;

    /// <summary>Whether the last heartbeat read is recent: while it is not, nothing is published either.</summary>
    public bool Connected
    {
        get
        {
            lock (_lock)
                return _lastRead != long.MinValue && Stopwatch.GetElapsedTime(_lastRead) < ReplicaHeartbeat.LiveFor;
        }
    }

    /// <summary>The streams <paramref name="client"/> holds open on the other live replicas.</summary>
    public int OthersStreams(string client)
    {
        lock (_lock)
            return _peers.Values.Sum(peer => peer.Streams.GetValueOrDefault(client));
    }

    /// <summary>
    /// The live replicas as just read: the others' counts replace what was known, unless a notice is newer.
    /// </summary>
    public void Read(IReadOnlyList<ReplicaBeat> live)
    {
        lock (_lock)
        {
            var peers = new Dictionary<Guid, Peer>();
            foreach (var beat in live.Where(b => b.ReplicaId != Self))
                peers[beat.ReplicaId] = _peers.TryGetValue(beat.ReplicaId, out var known)
                    ? known.With(beat) : Peer.Of(beat);
            _peers = peers;
            _lastRead = Stopwatch.GetTimestamp();
            _count = peers.Count + 1;
        }
    }

    /// <summary>
    /// A heartbeat could not be read: past <see cref="ReplicaHeartbeat.LiveFor"/>, this replica stands alone.
    /// </summary>
    public void Unread()
    {
        lock (_lock)
        {
            if (_lastRead != long.MinValue && Stopwatch.GetElapsedTime(_lastRead) < ReplicaHeartbeat.LiveFor)
                return;
            _peers = [];
            _count = 1;
        }
    }

    /// <summary>Another replica's new count for a client, unless the view already holds a newer one.</summary>
    public void Noticed(StreamNotice notice)
    {
        if (notice.ReplicaId == Self)
            return;
        lock (_lock)
        {
            // A replica not read yet (it just started) is counted from its notices; the next read keeps it if live.
            if (!_peers.TryGetValue(notice.ReplicaId, out var peer))
                _peers[notice.ReplicaId] = peer = new Peer([], [], 0);
            peer.Apply(notice);
        }
    }

    /// <summary>
    /// A replica's counts as of its heartbeat's change number, and the notices newer than it (client → change
    /// number): a heartbeat read after a newer notice must not undo it.
    /// </summary>
    private sealed record Peer(Dictionary<string, int> Streams, Dictionary<string, long> Noticed, long BeatVersion)
    {
        public static Peer Of(ReplicaBeat beat) => new(new(beat.Streams), [], beat.StreamsVersion);

        public Peer With(ReplicaBeat beat)
        {
            var streams = new Dictionary<string, int>(beat.Streams);
            var noticed = new Dictionary<string, long>();
            foreach (var (client, version) in Noticed.Where(n => n.Value > beat.StreamsVersion))
            {
                streams[client] = Streams.GetValueOrDefault(client);
                noticed[client] = version;
            }
            return new Peer(streams, noticed, beat.StreamsVersion);
        }

        public void Apply(StreamNotice notice)
        {
            if (notice.Version <= BeatVersion || notice.Version <= Noticed.GetValueOrDefault(notice.Client))
                return;
            Streams[notice.Client] = notice.Count;
            Noticed[notice.Client] = notice.Version;
        }
    }
}
