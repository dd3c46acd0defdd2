using System.Security.Cryptography;
using Btc.Data.ApiKeys;
using Btc.Data.Freshness;

namespace Btc.Api.Access;

/// <summary>
/// The active keys, read again whenever the data-change notices move (a revocation notifies) and at least every
/// 10 s, so a revoked key stops working at once and a database without notices still catches up.
/// </summary>
public sealed class ApiKeyCache(ApiKeyStore store, DataChanges changes, TimeProvider clock)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);
    // One reference, swapped whole: requests read it while another replaces it.
    private Snapshot? _keys;

    /// <summary>The key's id when <paramref name="secret"/> is an active key; compared in constant time.</summary>
    public async Task<int?> FindAsync(string secret, CancellationToken ct)
    {
        if (secret.Length <= ApiKeyStore.PrefixLength)
            return null;
        var keys = await KeysAsync(ct);
        return keys.TryGetValue(secret[..ApiKeyStore.PrefixLength], out var key)
               && CryptographicOperations.FixedTimeEquals(key.Sha256, ApiKeyStore.Hash(secret))
            ? key.KeyId
            : null;
    }

    private async Task<Dictionary<string, ActiveApiKey>> KeysAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (Volatile.Read(ref _keys) is { } cached && changes.Listening && cached.Version == changes.Version
            && now - cached.ReadAt < MaxAge)
            return cached.ByPrefix;
        var version = changes.Version;
        var byPrefix = (await store.ActiveAsync(ct)).ToDictionary(k => k.Prefix, StringComparer.Ordinal);
        Volatile.Write(ref _keys, new Snapshot(version, now, byPrefix));
        return byPrefix;
    }

    private sealed record Snapshot(long Version, DateTimeOffset ReadAt, Dictionary<string, ActiveApiKey> ByPrefix);
}
