using System.Text.Json;
using Dapper;
using Npgsql;

namespace Btc.Data.Replicas;

/// <summary>
/// The API replicas that are live: each writes its heartbeat (<see cref="ReplicaBeat"/>) every few seconds and reads
/// the others' in the same call, on the database's clock, so the machines' clocks do not matter. Notices of stream
/// counts go out on <see cref="Channel"/>, which the API's listener of data changes hears.
/// </summary>
public sealed class ReplicaRegistry(NpgsqlDataSource db)
{
    public const string Channel = "btc_api_streams";

    /// <summary>Stores <paramref name="mine"/>; returns every replica seen within <paramref name="liveFor"/>.</summary>
    public async Task<IReadOnlyList<ReplicaBeat>> BeatAsync(ReplicaBeat mine, TimeSpan liveFor, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // Rows of replicas long gone (killed, never said goodbye) are removed by whoever beats next.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO api_replica (replica_id, seen_at, streams, streams_version)
            VALUES (@id, now(), @streams::jsonb, @version)
            ON CONFLICT (replica_id) DO UPDATE
               SET seen_at = now(), streams = excluded.streams, streams_version = excluded.streams_version;
            DELETE FROM api_replica WHERE seen_at < now() - interval '10 minutes';
            """, new
        {
            id = mine.ReplicaId,
            streams = JsonSerializer.Serialize(mine.Streams),
            version = mine.StreamsVersion,
        }, cancellationToken: ct));
        var rows = await connection.QueryAsync<(Guid Id, string Streams, long Version)>(new CommandDefinition("""
            SELECT replica_id, streams::text, streams_version FROM api_replica
             WHERE seen_at > now() - make_interval(secs => @seconds)
            """, new { seconds = liveFor.TotalSeconds }, cancellationToken: ct));
        return rows.Select(r => new ReplicaBeat(
            r.Id, JsonSerializer.Deserialize<Dictionary<string, int>>(r.Streams)!, r.Version)).ToArray();
    }

    /// <summary>Removes this replica's row: stopping, it stops counting at once, not when it goes stale.</summary>
    public async Task LeaveAsync(Guid replicaId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM api_replica WHERE replica_id = @replicaId", new { replicaId }, cancellationToken: ct));
    }

    public async Task NotifyAsync(StreamNotice notice, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_notify(@channel, @payload)", new { channel = Channel, payload = notice.ToPayload() },
            cancellationToken: ct));
    }
}
