using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Data.Prices;
using Npgsql;

namespace Btc.Data.History.Series;

/// <summary>
/// A coin's series in one currency: from pieces up to the compaction's watermark, raw samples after it
/// (docs/decisions/0003).
/// </summary>
public sealed class SeriesReader(NpgsqlDataSource db, CurrencyStore currencies)
{
    // Read again when older than this: a few seconds more of raw samples per read at most.
    private static readonly TimeSpan WatermarkAge = TimeSpan.FromSeconds(5);

    private string? _seededSql;
    private Watermark? _watermark;

    /// <summary>
    /// A coin's prices in one currency with last_updated_at in [from, to), oldest first; nulls left out. Polled
    /// samples and points filled from CoinGecko's history where no cycle polled, or either alone.
    /// </summary>
    public async Task<IReadOnlyList<PricePoint>> SeriesAsync(
        int coinKey, Currency currency, DateTime from, DateTime to, CancellationToken ct = default,
        SeriesSource source = SeriesSource.All)
    {
        var (sql, parameters, piecesUntil) = await QueryAsync(coinKey, currency, from, to, ct, source);
        var (fromUnix, toUnix) = (
            UnixTime.CeilingSeconds(from), Math.Min(UnixTime.CeilingSeconds(to), UnixTime.CeilingSeconds(piecesUntil)));
        var points = new List<PricePoint>(1500);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var at = reader.GetInt64(0);
            if (!reader.IsDBNull(3))
            {
                points.Add(new PricePoint(at, reader.GetDouble(3), reader.GetBoolean(4)));
                continue;
            }
            // A piece: its times and this currency's row of prices, unpacked here rather than row by row in SQL.
            var t = reader.GetFieldValue<short[]>(1);
            var p = reader.GetFieldValue<double?[]>(2);
            for (var i = 0; i < t.Length; i++)
            {
                if (p[i] is { } price && at + t[i] is var s && s >= fromUnix && s < toUnix)
                    points.Add(new PricePoint(s, price));
            }
        }
        // Pieces come in no particular order, and raw and filled rows after them: the parts never overlap in time.
        points.Sort((a, b) => a.UnixSeconds.CompareTo(b.UnixSeconds));
        return points;
    }

    /// <summary>The statement <see cref="SeriesAsync"/> runs, for the benchmark to count its buffers.</summary>
    internal async Task<(string Sql, NpgsqlParameter[] Parameters, DateTime PiecesUntil)> QueryAsync(
        int coinKey, Currency currency, DateTime from, DateTime to, CancellationToken ct = default,
        SeriesSource source = SeriesSource.All)
    {
        var (polled, filled) = (
            new NpgsqlParameter("polled", source != SeriesSource.Filled),
            new NpgsqlParameter("filled", source != SeriesSource.Polled));
        // Currencies added after the seeded 62 are rare and never compacted.
        if (currency.ColumnName is null)
            return ($"""
                SELECT extract(epoch FROM last_updated_at)::bigint, NULL::smallint[], NULL::float8[], price, false
                FROM price_sample_extra
                WHERE @polled AND coin_key = @coinKey AND currency_key = @currencyKey AND last_updated_at >= @from
                    AND last_updated_at < @to
                {FilledSql}
                """,
                [
                    new("coinKey", coinKey), new("currencyKey", currency.CurrencyKey), new("from", from),
                    new("to", to), polled, filled,
                ],
                to);
        var (piecesFrom, piecesUntil) = await WatermarkAsync(ct);
        NpgsqlParameter[] parameters =
        [
            new("coinKey", coinKey), new("currencyKey", currency.CurrencyKey), new("from", from), new("to", to),
            new("grp", SeriesPieces.Group(currency)), new("row", SeriesPieces.Row(currency)),
            new("piecesFrom", piecesFrom), new("piecesUntil", piecesUntil), polled, filled,
        ];
        return (_seededSql ??= PiecesAndRawSql(await currencies.ListAsync(ct)), parameters, piecesUntil);
    }

    /// <summary>
    /// The compacted span, as of at most a few seconds ago. Any span read earlier is still right: raw samples stay
    /// after compaction and pieces only grow (an hour's piece replacing its quarters is cut at the span's end), so a
    /// read takes pieces before it and raw samples from it on. As parameters rather than read in the statement, it
    /// lets PostgreSQL prune the day partitions each part does not touch before running the plan.
    /// </summary>
    private async Task<(DateTime From, DateTime Until)> WatermarkAsync(CancellationToken ct)
    {
        if (_watermark is { } known && Stopwatch.GetElapsedTime(known.ReadAt) < WatermarkAge)
            return (known.From, known.Until);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT pieces_from, pieces_until FROM price_series_compaction", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var read = new Watermark(
            reader.GetFieldValue<DateTime>(0), reader.GetFieldValue<DateTime>(1), Stopwatch.GetTimestamp());
        _watermark = read;
        return (read.From, read.Until);
    }

    private sealed record Watermark(DateTime From, DateTime Until, long ReadAt);

    /// <summary>
    /// One statement, four disjoint parts: raw samples from before compaction began; pieces up to the watermark,
    /// except hours a late sample made stale; raw samples from the watermark on (the current quarter or so); raw
    /// samples of the stale hours, until the compactor rebuilds them. One text for every seeded currency (the raw
    /// column is chosen by a CASE), so that each pooled connection prepares it once and reuses its generic plan.
    /// </summary>
    private static string PiecesAndRawSql(IReadOnlyList<Currency> currencies)
    {
        var whens = currencies.Where(c => c.ColumnName is not null)
            .Select(c => $"WHEN {c.CurrencyKey} THEN {c.Column} ");
        var price = $"CASE @currencyKey {string.Concat(whens)}END";
        return $"""
            WITH stale AS MATERIALIZED (
                SELECT hour FROM price_series_stale
                WHERE coin_key = @coinKey AND hour > @from - interval '1 hour' AND hour < @to
                  AND hour >= @piecesFrom AND hour < @piecesUntil)
            SELECT extract(epoch FROM h.start)::bigint, h.t,
                   h.p[(@row - 1) * cardinality(h.t) + 1 : @row * cardinality(h.t)], NULL::float8, false
            FROM price_series_piece h
            WHERE @polled AND h.coin_key = @coinKey AND h.grp = @grp
              AND h.start > @from - interval '1 hour' AND h.start < least(@piecesUntil, @to)
              AND NOT EXISTS (SELECT 1 FROM stale WHERE h.start >= stale.hour
                  AND h.start < stale.hour + interval '1 hour')
            UNION ALL
            SELECT extract(epoch FROM last_updated_at)::bigint, NULL, NULL, p, false FROM (
                SELECT last_updated_at, {price} AS p
                FROM price_sample
                WHERE coin_key = @coinKey AND last_updated_at >= @from AND last_updated_at < least(@piecesFrom, @to)
                UNION ALL
                SELECT last_updated_at, {price}
                FROM price_sample
                WHERE coin_key = @coinKey AND last_updated_at >= greatest(@piecesUntil, @from) AND last_updated_at < @to
                UNION ALL
                SELECT x.last_updated_at, {price.Replace("THEN ", "THEN x.", StringComparison.Ordinal)}
                FROM stale
                JOIN price_sample x
                  ON x.coin_key = @coinKey
                 AND x.last_updated_at >= greatest(stale.hour, @from)
                 AND x.last_updated_at < least(stale.hour + interval '1 hour', @piecesUntil, @to)
                WHERE x.last_updated_at >= greatest(@piecesFrom, @from) AND x.last_updated_at < least(@piecesUntil, @to)
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
        SELECT extract(epoch FROM at)::bigint, NULL, NULL, price, true
        FROM price_fill
        WHERE @filled AND coin_key = @coinKey AND currency_key = @currencyKey AND at >= @from AND at < @to
        """;
}
