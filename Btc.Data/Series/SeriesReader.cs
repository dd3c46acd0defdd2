using System.Collections.Concurrent;
using Btc.Data.Currencies;
using Btc.Data.Prices;
using Dapper;
using Npgsql;

namespace Btc.Data.Series;

/// <summary>
/// A coin's series in one currency: from pieces up to the compaction's watermark, raw samples after it (docs/decisions/0003).
/// </summary>
public sealed class SeriesReader(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<short, string> _sql = new();

    /// <summary>A coin's prices in one currency with last_updated_at in [from, to), oldest first; nulls left out.</summary>
    public async Task<IReadOnlyList<PricePoint>> SeriesAsync(
        int coinKey, Currency currency, DateTime from, DateTime to, CancellationToken ct = default)
    {
        var sql = currency.ColumnName is not null
            ? _sql.GetOrAdd(currency.CurrencyKey, _ => PiecesAndRawSql(currency))
            // Currencies added after the seeded 62 are rare and never compacted.
            : """
                SELECT extract(epoch FROM last_updated_at)::bigint AS UnixSeconds, price AS Price
                FROM price_sample_extra
                WHERE coin_key = @coinKey AND currency_key = @currencyKey AND last_updated_at >= @from AND last_updated_at < @to
                ORDER BY last_updated_at
                """;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PricePoint>(new CommandDefinition(sql, new
        {
            coinKey, currencyKey = currency.CurrencyKey, from, to, grp = SeriesPieces.Group(currency), row = SeriesPieces.Row(currency),
        }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// One statement, four disjoint parts: raw samples from before compaction began; pieces up to the watermark,
    /// except hours a late sample made stale; raw samples from the watermark on (the current quarter or so); raw
    /// samples of the stale hours, until the compactor rebuilds them.
    /// </summary>
    private static string PiecesAndRawSql(Currency currency)
    {
        var column = currency.Column;
        return $"""
            WITH w AS MATERIALIZED (SELECT pieces_from, pieces_until FROM price_series_compaction),
                 stale AS MATERIALIZED (
                     SELECT hour FROM price_series_stale
                     WHERE coin_key = @coinKey AND hour > @from - interval '1 hour' AND hour < @to
                       AND hour >= (SELECT pieces_from FROM w) AND hour < (SELECT pieces_until FROM w))
            SELECT t AS UnixSeconds, p AS Price FROM (
                SELECT extract(epoch FROM last_updated_at)::bigint AS t, {column} AS p
                FROM price_sample
                WHERE coin_key = @coinKey AND last_updated_at >= @from
                  AND last_updated_at < least((SELECT pieces_from FROM w), @to) AND {column} IS NOT NULL
                UNION ALL
                SELECT extract(epoch FROM h.start)::bigint + u.s, u.p
                FROM price_series_piece h
                CROSS JOIN LATERAL unnest(h.t, h.p[@row:@row][:]) AS u(s, p)
                WHERE h.coin_key = @coinKey AND h.grp = @grp
                  AND h.start > @from - interval '1 hour' AND h.start < least((SELECT pieces_until FROM w), @to)
                  AND NOT EXISTS (SELECT 1 FROM stale WHERE h.start >= stale.hour AND h.start < stale.hour + interval '1 hour')
                  AND u.p IS NOT NULL
                  AND extract(epoch FROM h.start)::bigint + u.s >= extract(epoch FROM @from)
                  AND extract(epoch FROM h.start)::bigint + u.s < extract(epoch FROM @to)
                UNION ALL
                SELECT extract(epoch FROM last_updated_at)::bigint, {column}
                FROM price_sample
                WHERE coin_key = @coinKey AND last_updated_at >= greatest((SELECT pieces_until FROM w), @from)
                  AND last_updated_at < @to AND {column} IS NOT NULL
                UNION ALL
                SELECT extract(epoch FROM x.last_updated_at)::bigint, x.{column}
                FROM stale
                JOIN price_sample x
                  ON x.coin_key = @coinKey
                 AND x.last_updated_at >= greatest(stale.hour, @from)
                 AND x.last_updated_at < least(stale.hour + interval '1 hour', (SELECT pieces_until FROM w), @to)
                WHERE x.{column} IS NOT NULL
            ) series
            ORDER BY t
            """;
    }
}
