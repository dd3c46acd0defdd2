using Dapper;
using Npgsql;

namespace Btc.Data;

/// <summary>How far a streaming replica is behind its primary.</summary>
public sealed record ReplicaLag(bool IsReplica, double Seconds)
{
    /// <summary>
    /// Zero when the replica has replayed all it received (an idle primary sends nothing, so the time since the last
    /// replayed commit would grow without anything being missing); otherwise the age of the last replayed commit.
    /// </summary>
    public static async Task<ReplicaLag> ReadAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<ReplicaLag>(new CommandDefinition("""
            SELECT pg_is_in_recovery() AS IsReplica,
                   CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
                   END::float8 AS Seconds
            """, cancellationToken: ct));
    }
}
