using Btc.Data.History.Series.Codec;
using Dapper;
using Npgsql;

namespace Btc.Tests.Infrastructure;

/// <summary>
/// Every sample stored, whether still a raw row or packed into a piece (the compactor moves them while a long test
/// runs): the keys, for counts and duplicates.
/// </summary>
internal static class StoredSamples
{
    public static async Task<IReadOnlyList<(int CoinKey, DateTime At)>> KeysAsync(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var keys = (await connection.QueryAsync<(int, DateTime)>(
            "SELECT coin_key, last_updated_at FROM price_sample", transaction: tx)).AsList();
        var pieces = await connection.QueryAsync<(int CoinKey, DateTime Start, byte[] Data)>(
            "SELECT coin_key, start, data FROM price_piece", transaction: tx);
        foreach (var (coinKey, start, data) in pieces)
            keys.AddRange(SeriesPieceCodec.DecodeSeconds(data).Select(s => (coinKey, start.AddSeconds(s))));
        return keys;
    }

    public static async Task<int> CountAsync(NpgsqlDataSource db) => (await KeysAsync(db)).Count;

    /// <summary>Samples stored more than once for the same (coin, last_updated_at): always 0.</summary>
    public static async Task<int> DuplicatesAsync(NpgsqlDataSource db)
    {
        var keys = await KeysAsync(db);
        return keys.Count - keys.Distinct().Count();
    }

    public static async Task<IReadOnlyList<string>> CoinIdsAsync(NpgsqlDataSource db)
    {
        var coins = (await KeysAsync(db)).Select(k => k.CoinKey).Distinct().ToArray();
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(
            "SELECT id FROM coin WHERE coin_key = ANY(@coins)", new { coins })).AsList();
    }
}
