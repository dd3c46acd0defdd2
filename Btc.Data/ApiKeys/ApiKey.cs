namespace Btc.Data.ApiKeys;

/// <summary>A key as listed: never the key itself, which only its creator saw once.</summary>
public sealed record ApiKey(int KeyId, string Name, string Prefix, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>What a request's key is checked against: the active keys' hashes by prefix.</summary>
public sealed record ActiveApiKey(int KeyId, string Prefix, byte[] Sha256);
