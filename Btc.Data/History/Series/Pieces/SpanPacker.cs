using Btc.Data.Currencies;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Rates;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.History.Series.Pieces;

/// <summary>
/// Packs a span of the minute tier (docs/decisions/0006): the pieces starting in it and the raw samples in it become
/// one piece per coin, encoded with the quarters' rates (inferred from the raw samples where a quarter has none yet),
/// and the raw samples read are deleted, all in the caller's transaction. Packing a span again leaves the same data.
/// </summary>
internal sealed class SpanPacker(RateStore rates, SeededColumns columns)
{
    public SeededColumns Columns => columns;

    /// <returns>The coins packed.</returns>
    public async Task<int> PackAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateTime from, DateTime to,
        int[]? coins, CancellationToken ct)
    {
        var pieces = await PieceTable.ReadPiecesAsync(PieceTable.ReadPiecesSql, connection, tx, from, to, coins, ct);
        var raw = await PieceTable.ReadRawAsync(connection, tx, columns, from, to, coins, ct);
        var quarters = await RatesAsync(connection, tx, from, to, raw, ct);
        var spans = new Dictionary<int, CoinSpan>();
        foreach (var piece in pieces)
            Span(spans, piece.CoinKey).AddPiece(piece, from, quarters, columns);
        foreach (var sample in raw)
            Span(spans, sample.CoinKey).AddRaw((int)(sample.At - from).TotalSeconds, sample.Prices);

        await using (var delete = PieceTable.Command(PieceTable.DeleteSql, connection, tx, from, to, coins))
        {
            delete.Parameters.AddWithValue("rawCoins", raw.Select(r => r.CoinKey).ToArray());
            delete.Parameters.AddWithValue("rawTimes", raw.Select(r => r.At).ToArray());
            await delete.ExecuteNonQueryAsync(ct);
        }
        await using var copy = await connection.BeginBinaryImportAsync(PieceTable.CopySql, ct);
        foreach (var (coin, span) in spans)
        {
            var data = span.ToPiece();
            var pieceRates = PieceRatesOf.Piece(from, data.Seconds, quarters, columns.Base, columns.Count);
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(coin, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(from, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(SeriesPieceCodec.Encode(data, pieceRates), NpgsqlDbType.Bytea, ct);
        }
        await copy.CompleteAsync(ct);
        return spans.Count;
    }

    private CoinSpan Span(Dictionary<int, CoinSpan> spans, int coin) =>
        spans.TryGetValue(coin, out var span) ? span : spans[coin] = new CoinSpan(columns.Count);

    /// <summary>
    /// The stored rates of every quarter of the span; a quarter without any is inferred from the raw samples in it
    /// and stored first, so that a piece is never encoded with rates that are not stored.
    /// </summary>
    private async Task<IReadOnlyDictionary<DateTime, QuarterRates>> RatesAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, DateTime from, DateTime to, List<RawSample> raw, CancellationToken ct)
    {
        var all = PieceRatesOf.Quarters(from, to - from).ToArray();
        var stored = await rates.ReadAsync(connection, tx, all, ct);
        var found = stored.ToDictionary();
        foreach (var quarter in all.Where(q => !stored.ContainsKey(q)))
        {
            var coins = raw.Where(r => r.At >= quarter && r.At < quarter + QuarterRates.Length)
                .GroupBy(r => r.CoinKey)
                .Select(g => CoinSpan.Of(g, quarter, columns.Count))
                .ToArray();
            var inferred = coins.Length == 0 || columns.Base < 0 ? QuarterRates.None(quarter, 0)
                : QuarterRateInference.Infer(quarter, coins, columns.Base, columns.Count);
            await rates.InsertAsync(connection, tx, inferred, ct);
            found[quarter] = inferred;
        }
        return found;
    }
}
