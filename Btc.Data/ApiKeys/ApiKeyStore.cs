using System.Security.Cryptography;
using Btc.Data.Freshness;
using Dapper;
using Npgsql;

namespace Btc.Data.ApiKeys;

/// <summary>
/// API keys: "btc_" and 43 random base64url characters (256 bits); the first 12 characters are the key's prefix,
/// stored in the clear to find and name it; the rest is kept only as the whole key's SHA-256.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource db)
{
    public const int PrefixLength = 12;

    /// <summary>Creates a key named <paramref name="name"/> and returns it: the only time it is seen.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string name, CancellationToken ct = default)
    {
        var secret = "btc_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var connection = await db.OpenConnectionAsync(ct);
        var key = await connection.QuerySingleAsync<ApiKey>(new CommandDefinition("""
            INSERT INTO api_key (name, prefix, sha256) VALUES (@name, @prefix, @sha256)
            RETURNING key_id AS KeyId, name AS Name, prefix AS Prefix, created_at AS CreatedAt, revoked_at AS RevokedAt
            """, new { name, prefix = secret[..PrefixLength], sha256 = Hash(secret) }, cancellationToken: ct));
        return (key, secret);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<ApiKey>(new CommandDefinition("""
            SELECT key_id AS KeyId, name AS Name, prefix AS Prefix, created_at AS CreatedAt, revoked_at AS RevokedAt
            FROM api_key ORDER BY key_id
            """, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Revokes the active key with this name or prefix; false when there is none. The API hears of it at once.
    /// </summary>
    public async Task<bool> RevokeAsync(string nameOrPrefix, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var revoked = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE api_key SET revoked_at = now()
             WHERE revoked_at IS NULL AND (name = @nameOrPrefix OR prefix = @nameOrPrefix)
            """, new { nameOrPrefix }, cancellationToken: ct));
        await DataChanges.NotifyAsync(connection, ct);
        return revoked > 0;
    }

    public async Task<IReadOnlyList<ActiveApiKey>> ActiveAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<ActiveApiKey>(new CommandDefinition(
            "SELECT key_id AS KeyId, prefix AS Prefix, sha256 AS Sha256 FROM api_key WHERE revoked_at IS NULL",
            cancellationToken: ct))).AsList();
    }

    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
