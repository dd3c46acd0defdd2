using Btc.Data.Currencies;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Btc.Data.Prices;
using Npgsql;

namespace Btc.Data.History.Series;

/// <summary>
/// A coin's series in one currency: from its packed pieces and the raw samples not packed yet
/// (docs/decisions/0006).
/// </summary>
public sealed class SeriesReader(NpgsqlDataSource db, CurrencyStore currencies, RateStore? rates = null)
{
    private readonly RateStore _rates = rates ?? new RateStore();
    private string? _seededSql;

    /// <summary>
    /// A coin's prices in one currency with last_updated_at in [from, to), oldest first; nulls left out. Polled
    /// samples and points filled from CoinGecko's history where no cycle polled, or either alone.
    /// </summary>
    public async Task<IReadOnlyList<PricePoint>> SeriesAsync(
        int coinKey, Currency currency, DateTime from, DateTime to, CancellationToken ct = default,
        SeriesSource source = SeriesSource.All)
    {
        var (sql, parameters) = await QueryAsync(coinKey, currency, from, to, ct, source);
        await using var connection = await db.OpenConnectionAsync(ct);
        var (pieces, single) = await ReadAsync(connection, sql, parameters, ct);
        var points = new List<PricePoint>(1500);
        var packed = new HashSet<long>();
        if (pieces.Count > 0 && SeededColumns.Of(currency) is { } column)
        {
            var seconds = pieces.Select(p => SeriesPieceCodec.DecodeSeconds(p.Data)).ToArray();
            var quarters = await _rates.ReadAsync(connection, null,
                pieces.SelectMany((p, i) => PieceRatesOf.Quarters(p.Start, seconds[i])), ct);
            var window = (UnixTime.CeilingSeconds(from), UnixTime.CeilingSeconds(to));
            for (var i = 0; i < pieces.Count; i++)
                Unpack(pieces[i], seconds[i], column, quarters, window, points, packed);
        }
        // A raw sample at a time a piece holds is a stale price polled again after its first copy was packed.
        points.AddRange(single.Where(p => p.Filled || !packed.Contains(p.UnixSeconds)));
        // Pieces come in no particular order, and raw and filled rows after them.
        points.Sort((a, b) => a.UnixSeconds.CompareTo(b.UnixSeconds));
        return points;
    }

    /// <summary>
    /// A piece's prices in one column, within the window; every time it holds goes to <paramref name="packed"/>.
    /// </summary>
    private static void Unpack(StoredPiece piece, int[] seconds, int column,
        IReadOnlyDictionary<DateTime, QuarterRates> quarters, (long From, long To) window, List<PricePoint> points,
        HashSet<long> packed)
    {
        var values = SeriesPieceCodec.DecodeColumn(
            piece.Data, column, PieceRatesOf.Column(piece.Start, seconds, quarters, column));
        var start = (long)(piece.Start - DateTime.UnixEpoch).TotalSeconds;
        for (var i = 0; i < seconds.Length; i++)
        {
            var at = start + seconds[i];
            packed.Add(at);
            if (values[i] is { } price && at >= window.From && at < window.To)
                points.Add(new PricePoint(at, price));
        }
    }

    /// <summary>The statement's rows: pieces (read whole before any is decoded) and single points.</summary>
    private static async Task<(List<StoredPiece> Pieces, List<PricePoint> Single)> ReadAsync(
        NpgsqlConnection connection, string sql, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        var (pieces, single) = (new List<StoredPiece>(), new List<PricePoint>());
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var at = reader.GetInt64(0);
            if (reader.IsDBNull(1))
                single.Add(new PricePoint(at, reader.GetDouble(2), reader.GetBoolean(3)));
            else
                pieces.Add(new StoredPiece(0, UnixTime.ToDateTime(at), reader.GetFieldValue<byte[]>(1)));
        }
        return (pieces, single);
    }

    /// <summary>The statement <see cref="SeriesAsync"/> runs, for the benchmark to count its buffers.</summary>
    internal async Task<(string Sql, NpgsqlParameter[] Parameters)> QueryAsync(
        int coinKey, Currency currency, DateTime from, DateTime to, CancellationToken ct = default,
        SeriesSource source = SeriesSource.All)
    {
        NpgsqlParameter[] parameters =
        [
            new("coinKey", coinKey), new("currencyKey", currency.CurrencyKey), new("from", from), new("to", to),
            new("polled", source != SeriesSource.Filled), new("filled", source != SeriesSource.Polled),
        ];
        // Currencies added after the seeded 62 are rare and never packed.
        if (currency.ColumnName is null)
            return (ExtraSql, parameters);
        return (_seededSql ??= PiecesAndRawSql(await currencies.ListAsync(ct)), parameters);
    }

    private const string ExtraSql = $"""
        SELECT extract(epoch FROM last_updated_at)::bigint, NULL::bytea, price, false
        FROM price_sample_extra
        WHERE @polled AND coin_key = @coinKey AND currency_key = @currencyKey AND last_updated_at >= @from
            AND last_updated_at < @to
        {FilledSql}
        """;

    /// <summary>
    /// One statement: the coin's pieces that may hold a sample of the window, and its raw samples in it (the minutes
    /// not packed yet, and late samples until folded in); a time is in one or the other at any moment, as a pack
    /// moves it in one transaction. One text for every seeded currency (the raw column is chosen by a CASE), so that
    /// each pooled connection prepares it once and reuses its generic plan.
    /// </summary>
    private static string PiecesAndRawSql(IReadOnlyList<Currency> currencies)
    {
        var whens = currencies.Where(c => c.ColumnName is not null)
            .Select(c => $"WHEN {c.CurrencyKey} THEN {c.Column} ");
        return $"""
            SELECT extract(epoch FROM start)::bigint, data, NULL::float8, false
            FROM price_piece
            WHERE @polled AND coin_key = @coinKey AND start > @from - interval '1 hour' AND start < @to
            UNION ALL
            SELECT extract(epoch FROM last_updated_at)::bigint, NULL, p, false FROM (
                SELECT last_updated_at, CASE @currencyKey {string.Concat(whens)}END AS p
                FROM price_sample
                WHERE coin_key = @coinKey AND last_updated_at >= @from AND last_updated_at < @to
            ) raw
            WHERE @polled AND p IS NOT NULL
            {FilledSql}
            """;
    }

    /// <summary>
    /// The points filled where no cycle polled (docs/decisions/0004): few, so one index range per read.
    /// </summary>
    private const string FilledSql = """
        UNION ALL
        SELECT extract(epoch FROM at)::bigint, NULL, price, true
        FROM price_fill
        WHERE @filled AND coin_key = @coinKey AND currency_key = @currencyKey AND at >= @from AND at < @to
        """;
}
