using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Rates;

namespace Btc.Data.History.Series.Pieces;

/// <summary>
/// One coin's samples over a span, gathered from the pieces and raw rows that hold them, in any order. A time held
/// twice (a stale price polled again after its first copy was packed) keeps what was stored first: the piece's.
/// </summary>
internal sealed class CoinSpan(int columns)
{
    private readonly Dictionary<int, double?[]> _rows = [];

    public int Count => _rows.Count;

    /// <summary>A decoded piece that starts <paramref name="shift"/> seconds after the span.</summary>
    public void AddPiece(int shift, PieceData piece)
    {
        for (var i = 0; i < piece.Seconds.Length; i++)
        {
            var row = new double?[columns];
            for (var c = 0; c < Math.Min(columns, piece.Columns.Length); c++)
                row[c] = piece.Columns[c][i];
            _rows.TryAdd(shift + piece.Seconds[i], row);
        }
    }

    /// <summary>A stored piece, decoded with its quarters' rates, into a span starting at <paramref name="start"/>.
    /// </summary>
    public void AddPiece(StoredPiece piece, DateTime start, IReadOnlyDictionary<DateTime, QuarterRates> quarters,
        SeededColumns seeded)
    {
        var seconds = SeriesPieceCodec.DecodeSeconds(piece.Data);
        var rates = PieceRatesOf.Piece(piece.Start, seconds, quarters, seeded.Base, seeded.Count);
        AddPiece((int)(piece.Start - start).TotalSeconds, SeriesPieceCodec.Decode(piece.Data, rates));
    }

    /// <summary>A raw sample; false when the time is held already (the raw row is a duplicate).</summary>
    public bool AddRaw(int second, double?[] row) => _rows.TryAdd(second, row);

    /// <summary>Raw samples of one coin as a piece starting at <paramref name="start"/>.</summary>
    public static PieceData Of(IEnumerable<RawSample> samples, DateTime start, int columns)
    {
        var span = new CoinSpan(columns);
        foreach (var sample in samples)
            span.AddRaw((int)(sample.At - start).TotalSeconds, sample.Prices);
        return span.ToPiece();
    }

    public PieceData ToPiece()
    {
        var rows = _rows.OrderBy(r => r.Key).ToArray();
        var seconds = new int[rows.Length];
        var data = new double?[columns][];
        for (var c = 0; c < columns; c++)
            data[c] = new double?[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            seconds[i] = rows[i].Key;
            var row = rows[i].Value;
            for (var c = 0; c < columns; c++)
                data[c][i] = row[c];
        }
        return new PieceData(seconds, data);
    }
}
