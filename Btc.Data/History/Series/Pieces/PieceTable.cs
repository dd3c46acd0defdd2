using Btc.Data.Currencies;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.History.Series.Pieces;

/// <summary>
/// The rows a pack reads and replaces: price_piece (one row per coin and piece), the raw samples of price_sample not
/// packed yet (or late), and the old layout's price_series_piece, converted hour by hour.
/// </summary>
internal static class PieceTable
{
    public const string ReadPiecesSql = """
        SELECT coin_key, start, data FROM price_piece
        WHERE start >= @from AND start < @to AND (@coins::int[] IS NULL OR coin_key = ANY(@coins))
        """;

    // Exactly the raw rows read, by key: a late sample stored after the read is left for the next rebuild.
    public const string DeleteSql = """
        DELETE FROM price_piece
         WHERE start >= @from AND start < @to AND (@coins::int[] IS NULL OR coin_key = ANY(@coins));
        DELETE FROM price_series_piece
         WHERE start >= @from AND start < @to AND (@coins::int[] IS NULL OR coin_key = ANY(@coins));
        DELETE FROM price_sample p USING unnest(@rawCoins, @rawTimes) AS d(coin_key, at)
         WHERE p.coin_key = d.coin_key AND p.last_updated_at = d.at
           AND p.last_updated_at >= @from AND p.last_updated_at < @to;
        """;

    /// <summary>The pieces holding the samples (@coins[i], @times[i]), each once.</summary>
    public const string HoldingSql = """
        SELECT DISTINCT ON (p.coin_key, p.start) p.coin_key, p.start, p.data
        FROM unnest(@coins, @times) AS i(coin_key, at)
        JOIN LATERAL (SELECT coin_key, start, data FROM price_piece
                      WHERE coin_key = i.coin_key AND start <= i.at AND start > i.at - interval '1 hour') p ON true
        """;

    public const string CopySql = "COPY price_piece (coin_key, start, data) FROM STDIN (FORMAT BINARY)";

    /// <summary>The raw samples of [@from, @to), of @coins or every coin, with each seeded currency's column.</summary>
    public static string ReadRawSql(IReadOnlyList<Currency> seeded) => $"""
        SELECT coin_key, last_updated_at{string.Concat(seeded.Select(c => $", {c.Column}"))} FROM price_sample
        WHERE last_updated_at >= @from AND last_updated_at < @to AND (@coins::int[] IS NULL OR coin_key = ANY(@coins))
        """;

    public static NpgsqlCommand Command(
        string sql, NpgsqlConnection connection, NpgsqlTransaction? tx, DateTime from, DateTime to, int[]? coins)
    {
        // An hour of 15,000 coins is 900,000 samples: seconds, but not on a busy machine.
        var command = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 300 };
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        command.Parameters.Add(new NpgsqlParameter("coins", NpgsqlDbType.Array | NpgsqlDbType.Integer)
        {
            Value = (object?)coins ?? DBNull.Value,
        });
        return command;
    }

    public static async Task<List<StoredPiece>> ReadPiecesAsync(string sql, NpgsqlConnection connection,
        NpgsqlTransaction? tx, DateTime from, DateTime to, int[]? coins, CancellationToken ct)
    {
        var pieces = new List<StoredPiece>();
        await using var command = Command(sql, connection, tx, from, to, coins);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            pieces.Add(new StoredPiece(
                reader.GetInt32(0), reader.GetFieldValue<DateTime>(1), reader.GetFieldValue<byte[]>(2)));
        return pieces;
    }

    public static async Task<List<RawSample>> ReadRawAsync(NpgsqlConnection connection, NpgsqlTransaction? tx,
        SeededColumns columns, DateTime from, DateTime to, int[]? coins, CancellationToken ct)
    {
        var samples = new List<RawSample>();
        await using var command = Command(columns.ReadRawSql, connection, tx, from, to, coins);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var prices = new double?[columns.Count];
            for (var c = 0; c < prices.Length; c++)
                prices[c] = reader.IsDBNull(c + 2) ? null : reader.GetDouble(c + 2);
            samples.Add(new RawSample(reader.GetInt32(0), reader.GetFieldValue<DateTime>(1), prices));
        }
        return samples;
    }
}
