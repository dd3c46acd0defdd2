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
        var extras = new List<(int CoinKey, DateTime At, short CurrencyKey, double Price)>();
        for (var i = 0; i < currencies.Count; i++)
        {
            var currency = currencies[i];
            if (currency.ColumnName is not null)
                parameters.Add($"p{currency.CurrencyKey}", samples.Select(s => s.Prices[i]).ToArray());
            else
                extras.AddRange(samples.Where(s => s.Prices[i] is not null).Select(s => (s.CoinKey, s.LastUpdatedAt, currency.CurrencyKey, s.Prices[i]!.Value)));
        }
        parameters.Add("extra_coins", extras.Select(e => e.CoinKey).ToArray());
        parameters.Add("extra_timestamps", extras.Select(e => e.At).ToArray());
        parameters.Add("extra_currencies", extras.Select(e => e.CurrencyKey).ToArray());
        parameters.Add("extra_prices", extras.Select(e => e.Price).ToArray());

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
            var columns = string.Concat(seeded.Select(c => $", {c.Column}"));
            var inputs = string.Concat(seeded.Select(c => $", @p{c.CurrencyKey}"));
            var aliases = string.Concat(seeded.Select(c => $", c{c.CurrencyKey}"));
            return $"""
                WITH input AS (
                    SELECT * FROM unnest(@coin_keys, @timestamps{inputs}) AS i(coin_key, last_updated_at{aliases})
                ), ins AS (
                    INSERT INTO price_sample (coin_key, cycle_id, last_updated_at{columns})
                    SELECT coin_key, @cycle_id, last_updated_at{aliases} FROM input
                    ON CONFLICT DO NOTHING
                    RETURNING coin_key, last_updated_at
                ), extra AS (
                    INSERT INTO price_sample_extra (coin_key, last_updated_at, currency_key, price)
                    SELECT e.coin_key, e.last_updated_at, e.currency_key, e.price
                    FROM unnest(@extra_coins, @extra_timestamps, @extra_currencies, @extra_prices) AS e(coin_key, last_updated_at, currency_key, price)
                    JOIN ins USING (coin_key, last_updated_at)
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
        var sql = currency.ColumnName is not null
            ? $"""
                SELECT extract(epoch FROM last_updated_at)::bigint AS UnixSeconds, {currency.Column} AS Price
                FROM price_sample
                WHERE coin_key = @coinKey AND last_updated_at >= @from AND last_updated_at < @to AND {currency.Column} IS NOT NULL
                ORDER BY last_updated_at
                """
            : """
                SELECT extract(epoch FROM last_updated_at)::bigint AS UnixSeconds, price AS Price
                FROM price_sample_extra
                WHERE coin_key = @coinKey AND currency_key = @currencyKey AND last_updated_at >= @from AND last_updated_at < @to
                ORDER BY last_updated_at
                """;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<PricePoint>(new CommandDefinition(
            sql, new { coinKey, currencyKey = currency.CurrencyKey, from, to }, cancellationToken: ct));
        return rows.AsList();
    }
}
