using System.Collections.Concurrent;
using Btc.Data.Currencies;
using Dapper;
using Npgsql;

namespace Btc.Data.Prices;

public sealed class PriceSampleStore(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<string, string> _insertSql = new();

    /// <summary>
    /// Stores a page's samples, marks the page finished and adds its counts to the cycle, in one statement:
    /// one round trip, and a page is either wholly written and counted or not at all. A page already finished
    /// counts nothing again.
    /// </summary>
    public async Task<PageResult> StorePageAsync(
        int cycleId, int pageNo, IReadOnlyList<Currency> currencies, IReadOnlyList<PriceSample> samples,
        PageCounts counts, CancellationToken ct = default)
    {
        var parameters = new DynamicParameters(new
        {
            cycle_id = cycleId,
            page_no = pageNo,
            skipped = counts.Skipped,
            calls_used = counts.CallsUsed,
            sent = samples.Count,
            coin_keys = samples.Select(s => s.CoinKey).ToArray(),
            timestamps = samples.Select(s => s.LastUpdatedAt).ToArray(),
        });
        var extras = currencies.Where(c => c.ExtraIndex is not null).ToArray();
        var extraWidth = extras.Length == 0 ? 0 : extras.Max(c => c.ExtraIndex!.Value);
        var extraFlat = new double?[samples.Count * extraWidth];
        for (var i = 0; i < currencies.Count; i++)
        {
            var currency = currencies[i];
            if (currency.ColumnName is not null)
            {
                parameters.Add($"p{currency.CurrencyKey}", samples.Select(s => s.Prices[i]).ToArray());
                continue;
            }
            for (var row = 0; row < samples.Count; row++)
                extraFlat[row * extraWidth + currency.ExtraIndex!.Value - 1] = samples[row].Prices[i];
        }
        parameters.Add("extra", extraFlat);
        parameters.Add("extra_width", extraWidth);

        await using var connection = await db.OpenConnectionAsync(ct);
        var (stored, finished) = await connection.QuerySingleAsync<(int, bool)>(new CommandDefinition(
            InsertSql(currencies), parameters, cancellationToken: ct));
        return new PageResult(stored, samples.Count - stored, finished);
    }

    private string InsertSql(IReadOnlyList<Currency> currencies)
    {
        var seeded = currencies.Where(c => c.ColumnName is not null).ToArray();
        var key = string.Join(',', seeded.Select(c => c.CurrencyKey));
        return _insertSql.GetOrAdd(key, _ =>
        {
            var columns = string.Join(", ", seeded.Select(c => c.PriceExpression));
            var inputs = string.Join(", ", seeded.Select(c => $"@p{c.CurrencyKey}"));
            var aliases = string.Join(", ", seeded.Select(c => $"c{c.CurrencyKey}"));
            var comma = seeded.Length == 0 ? "" : ", ";
            return $"""
                WITH input AS (
                    SELECT * FROM unnest(@coin_keys, @timestamps{comma}{inputs}) WITH ORDINALITY
                        AS i(coin_key, last_updated_at{comma}{aliases}, ord)
                ), ins AS (
                    INSERT INTO price_sample (coin_key, cycle_id, last_updated_at{comma}{columns}, extra_prices)
                    SELECT coin_key, @cycle_id, last_updated_at{comma}{aliases},
                           CASE WHEN @extra_width > 0 THEN (@extra)[(ord - 1) * @extra_width + 1 : ord * @extra_width] END
                    FROM input
                    ON CONFLICT DO NOTHING
                    RETURNING last_updated_at
                ), stored AS (
                    SELECT count(*)::int AS n FROM ins
                ), dirty AS (
                    INSERT INTO price_hour_dirty (hour)
                    SELECT DISTINCT date_trunc('hour', last_updated_at, 'UTC') FROM ins
                ), page AS (
                    UPDATE poll_cycle_page
                       SET finished_at = clock_timestamp(), rows_stored = stored.n, stale = @sent - stored.n,
                           skipped = @skipped, calls_used = calls_used + @calls_used
                      FROM stored
                     WHERE cycle_id = @cycle_id AND page_no = @page_no AND finished_at IS NULL
                    RETURNING 1
                ), cycle AS (
                    -- Concurrent pages update the same row: each waits for the other's commit and then increments
                    -- the newest version (READ COMMITTED), so exactly one page sees pages_done reach pages.
                    UPDATE poll_cycle
                       SET pages_done = pages_done + 1, rows_stored = rows_stored + stored.n,
                           stale = stale + @sent - stored.n, skipped = skipped + @skipped, calls_used = calls_used + @calls_used,
                           finished_at = CASE WHEN pages_done + 1 = pages THEN clock_timestamp() END
                      FROM stored
                     WHERE cycle_id = @cycle_id AND EXISTS (SELECT 1 FROM page)
                    RETURNING finished_at IS NOT NULL AS finished
                )
                SELECT stored.n, coalesce((SELECT finished FROM cycle), false) FROM stored
                """;
        });
    }

    /// <summary>A coin's prices in one currency with last_updated_at in [from, to), oldest first; nulls left out.</summary>
    public async Task<IReadOnlyList<PricePoint>> SeriesAsync(
        int coinKey, Currency currency, DateTime from, DateTime to, CancellationToken ct = default)
    {
        var price = currency.PriceExpression;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PricePoint>(new CommandDefinition($"""
            SELECT extract(epoch FROM last_updated_at)::bigint AS UnixSeconds, {price} AS Price
            FROM price_sample
            WHERE coin_key = @coinKey AND last_updated_at >= @from AND last_updated_at < @to AND {price} IS NOT NULL
            ORDER BY last_updated_at
            """, new { coinKey, from, to }, cancellationToken: ct));
        return rows.AsList();
    }
}
