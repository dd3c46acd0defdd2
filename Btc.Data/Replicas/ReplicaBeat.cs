namespace Btc.Data.Replicas;

/// <summary>
/// An API replica's heartbeat: its open live streams per client as of its change number
/// <paramref name="StreamsVersion"/> (every open and close moves it on).
/// </summary>
public sealed record ReplicaBeat(Guid ReplicaId, IReadOnlyDictionary<string, int> Streams, long StreamsVersion);
