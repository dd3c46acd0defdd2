using Dapper;
using Npgsql;

namespace Btc.Data;

public static class SchemaVersion
{
    /// <summary>The newest migration this code needs; the API is not ready on an older schema.</summary>
    public const long Required = 17;

    /// <summary>The newest migration applied to the database (FluentMigrator's VersionInfo); null before any.</summary>
    public static async Task<long?> AppliedAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            """SELECT max("Version") FROM "VersionInfo" """, cancellationToken: ct));
    }
}
