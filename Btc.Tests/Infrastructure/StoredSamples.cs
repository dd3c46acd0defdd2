using Btc.Data.Currencies;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;
using NpgsqlTypes;

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

    /// <summary>
    /// Every stored sample, packed or raw, decoded into the table all_sample (price_sample's columns, cycle_id 0):
    /// for assertions written in SQL.
    /// </summary>
    public static async Task MaterializeAsync(NpgsqlDataSource db)
    {
        var columns = new SeededColumns(await new CurrencyStore(db).ListAsync());
        var rows = new List<(int Coin, DateTime At, double?[] Prices)>();
        await using var connection = await db.OpenConnectionAsync();
        await using (var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead))
        {
            var (from, to) = await connection.QuerySingleAsync<(DateTime, DateTime)>("""
                SELECT coalesce(least((SELECT min(last_updated_at) FROM price_sample),
                                      (SELECT min(start) FROM price_piece)), now()),
                       coalesce(greatest((SELECT max(last_updated_at) FROM price_sample),
                                         (SELECT max(start) FROM price_piece)), now()) + interval '1 hour'
                """, transaction: tx);
            await PackedReader.ReadAsync(connection, columns, new RateStore(), from, to, null, (coin, piece) =>
            {
                for (var i = 0; i < piece.Seconds.Length; i++)
                    rows.Add((coin, from.AddSeconds(piece.Seconds[i]), piece.Columns.Select(c => c[i]).ToArray()));
            }, CancellationToken.None);
        }
        await connection.ExecuteAsync("DROP TABLE IF EXISTS all_sample; CREATE TABLE all_sample (LIKE price_sample)");
        var names = string.Concat(columns.Seeded.Select(c => $", {c.Column}"));
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY all_sample (coin_key, cycle_id, last_updated_at{names}) FROM STDIN (FORMAT BINARY)");
        foreach (var (coin, at, prices) in rows)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(coin, NpgsqlDbType.Integer);
            await copy.WriteAsync(0, NpgsqlDbType.Integer);
            await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
            foreach (var price in prices)
            {
                if (price is { } value)
                    await copy.WriteAsync(value, NpgsqlDbType.Double);
                else
                    await copy.WriteNullAsync();
            }
        }
        await copy.CompleteAsync();
    }
}
