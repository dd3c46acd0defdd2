using Dapper;
using Npgsql;

namespace Btc.Data.DataProtection;

/// <summary>
/// The Data Protection key ring every API replica shares: the XML elements ASP.NET Core writes (keys, revocations),
/// kept as written. Synchronous, as the framework's repository is; it reads them only when its key ring expires
/// (a day) or misses a key. Never logs an element: they are the keys.
/// </summary>
public sealed class KeyRingStore(NpgsqlDataSource db)
{
    public IReadOnlyList<string> All()
    {
        using var connection = db.OpenConnection();
        return connection.Query<string>("SELECT xml FROM data_protection_key ORDER BY stored_at, name").AsList();
    }

    /// <summary>Stores an element; one of the same name already stored is kept (elements never change).</summary>
    public void Store(string name, string xml)
    {
        using var connection = db.OpenConnection();
        connection.Execute(
            "INSERT INTO data_protection_key (name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO NOTHING",
            new { name, xml });
    }

    /// <summary>
    /// Runs <paramref name="decide"/> while holding a lock every replica takes for it: replicas starting together
    /// decide one after another whether a key must be made, so the second sees the first's key.
    /// </summary>
    public async Task UnderFirstKeyLockAsync(Action decide, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_lock(hashtext('data_protection_first_key'))", cancellationToken: ct));
        try
        {
            decide();
        }
        finally
        {
            // A session lock: the pool keeps the connection open, so it is given back explicitly.
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtext('data_protection_first_key'))");
        }
    }
}
