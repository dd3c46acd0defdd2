using System.Collections.Concurrent;
using Btc.Data.Currencies;
using Dapper;
using Npgsql;

namespace Btc.Data.Prices;

public sealed class PriceSampleStore(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<string, string> _insertSql = new();

    /// <summary>
    /// Stores a page's samples and marks the page finished, in one round trip and one transaction:
    /// a page is either wholly written and counted, or not at all. A page already finished writes nothing.
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

        // Multiple statements in one command run as one implicit transaction. In READ COMMITTED each statement
        // takes a fresh snapshot, so the cycle row lock (statement 2) makes statement 3 see every other page
        // that committed before this one: exactly one page sees the cycle finish.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            InsertSql(currencies) + """
            ;
            SELECT finished_at IS NULL FROM poll_cycle WHERE cycle_id = @cycle_id FOR UPDATE;
            UPDATE poll_cycle c
               SET pages_done = s.done, rows_stored = s.rows_stored, skipped = s.skipped, stale = s.stale,
                   calls_used = c.list_calls + s.calls_used, errors = s.errors,
                   finished_at = CASE WHEN s.done = c.pages THEN coalesce(c.finished_at, clock_timestamp()) END
              FROM (SELECT count(finished_at)::int AS done, sum(rows_stored)::int AS rows_stored,
                           sum(skipped)::int AS skipped, sum(stale)::int AS stale,
                           sum(calls_used)::int AS calls_used, sum(errors)::int AS errors
                      FROM poll_cycle_page WHERE cycle_id = @cycle_id) s
             WHERE c.cycle_id = @cycle_id
            RETURNING c.finished_at IS NOT NULL;
            """, parameters, cancellationToken: ct));
        var stored = await results.ReadSingleAsync<int>();
        var wasOpen = await results.ReadSingleAsync<bool>();
        var finished = await results.ReadSingleAsync<bool>();
        return new PageResult(stored, samples.Count - stored, wasOpen && finished);
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
                ), dirty AS (
                    INSERT INTO price_hour_dirty (hour, version)
                    SELECT hour, nextval('price_hour_dirty_version')
                    FROM (SELECT DISTINCT date_trunc('hour', last_updated_at, 'UTC') AS hour FROM ins) h
                    ON CONFLICT (hour) DO UPDATE SET version = excluded.version
                ), page AS (
                    UPDATE poll_cycle_page
                       SET finished_at = clock_timestamp(), rows_stored = (SELECT count(*) FROM ins),
                           stale = @sent - (SELECT count(*) FROM ins), skipped = @skipped, calls_used = calls_used + @calls_used
                     WHERE cycle_id = @cycle_id AND page_no = @page_no AND finished_at IS NULL
                )
                SELECT count(*)::int FROM ins
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
