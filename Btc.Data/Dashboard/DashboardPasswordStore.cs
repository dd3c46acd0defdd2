using Dapper;
using Npgsql;

namespace Btc.Data.Dashboard;

/// <summary>
/// The dashboard password every API replica uses when none is configured: one row, the first replica's, stored as the
/// caller protected it (with the shared Data Protection key ring), never in clear.
/// </summary>
public sealed class DashboardPasswordStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Stores <paramref name="candidate"/> unless a password is stored already; returns the stored one, which is the
    /// candidate only for the replica that got there first.
    /// </summary>
    public async Task<string> AgreeAsync(string candidate, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO dashboard_password (id, protected) VALUES (1, @candidate) ON CONFLICT (id) DO NOTHING",
            new { candidate }, cancellationToken: ct));
        // A statement of its own: it sees the row of a replica that inserted first, once that one has committed.
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                   "SELECT protected FROM dashboard_password WHERE id = 1", cancellationToken: ct))
               ?? throw new InvalidOperationException("The dashboard password row vanished as it was read.");
    }
}
