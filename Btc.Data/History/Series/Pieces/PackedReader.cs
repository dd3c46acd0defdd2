using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Rates;
using Npgsql;

namespace Btc.Data.History.Series.Pieces;

/// <summary>
/// Every coin's samples of a span from the pieces that hold them and the late raw samples not folded in yet, one coin
/// at a time in time order, for readers of many coins (the rank recompute). The caller reads in one snapshot
/// (repeatable read): a pack moves samples from raw rows to pieces in one transaction.
/// </summary>
internal static class PackedReader
{
    private const string PiecesSql = """
        SELECT coin_key, start, data FROM price_piece
        WHERE start > @from - interval '1 hour' AND start < @to AND (@coins::int[] IS NULL OR coin_key = ANY(@coins))
        """;

    /// <summary>
    /// Calls <paramref name="each"/> with each coin's samples in [<paramref name="from"/>, <paramref name="to"/>) as a
    /// piece whose seconds count from <paramref name="from"/>.
    /// </summary>
    public static async Task ReadAsync(NpgsqlConnection connection, SeededColumns columns, RateStore rates,
        DateTime from, DateTime to, int[]? coins, Action<int, PieceData> each, CancellationToken ct)
    {
        var pieces = (await PieceTable.ReadPiecesAsync(PiecesSql, connection, null, from, to, coins, ct))
            .ToLookup(p => p.CoinKey);
        var late = (await PieceTable.ReadRawAsync(connection, null, columns, from, to, coins, ct))
            .ToLookup(r => r.CoinKey);
        var quarters = await rates.ReadAsync(connection, null,
            pieces.SelectMany(g => g).SelectMany(p => PieceRatesOf.Quarters(p.Start, TimeSpan.FromHours(1))), ct);
        var window = (int)(to - from).TotalSeconds;
        foreach (var coin in pieces.Select(g => g.Key).Union(late.Select(g => g.Key)))
        {
            var span = new CoinSpan(columns.Count);
            foreach (var piece in pieces[coin])
                span.AddPiece(piece, from, quarters, columns);
            foreach (var sample in late[coin])
                span.AddRaw((int)(sample.At - from).TotalSeconds, sample.Prices);
            each(coin, span.ToPiece().Within(0, window));
        }
    }
}
