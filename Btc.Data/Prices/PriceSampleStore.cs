using System.Collections.Concurrent;
using Btc.Data.Copy;
using Btc.Data.Currencies;
using Btc.Data.Freshness;
using Btc.Data.History.Series;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.Prices;

public sealed class PriceSampleStore(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<(bool Copied, string Columns), string> _sql = new();

    // What the two ways of storing return for a page closed before it could store (finished, or superseded).
    private const int Closed = -1;

    /// <summary>
    /// Stores a page's samples and marks the page finished with its counts, in one transaction: a page is either
    /// wholly written and counted or not at all. A page already finished, or superseded by a newer cycle, stores
    /// nothing: its prices are not its cycle's any more. The page's cycle is not touched: see
    /// <see cref="Polling.PollCycleStore.TryFinishAsync"/>.
    /// </summary>
    public async Task<PageResult> StorePageAsync(
        int cycleId, int pageNo, IReadOnlyList<Currency> currencies, IReadOnlyList<PriceSample> samples,
        PageCounts counts, CancellationToken ct = default)
    {
        var page = new Page(cycleId, pageNo, currencies, samples, counts);
        await using var connection = await db.OpenConnectionAsync(ct);
        var stored = await CopyAsync(connection, page, ct) ?? await UpsertAsync(connection, page, ct);
        if (stored == Closed)
            return new PageResult(0, 0, Closed: true);
        if (stored > 0)
            await DataChanges.NotifyAsync(connection, ct);
        return new PageResult(stored, samples.Count - stored, Closed: false);
    }

    /// <summary>
    /// Binary COPY of the samples not stored yet, then the bookkeeping. COPY writes rows in batches where INSERT
    /// writes them one at a time, but cannot skip a key stored in between by another page: that rare race rolls
    /// back and returns null, for <see cref="UpsertAsync"/> to store the page instead. The page's row is locked
    /// first, so that a newer cycle superseding it waits for this commit or finds it superseded.
    /// </summary>
    private async Task<int?> CopyAsync(NpgsqlConnection connection, Page page, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var found = await connection.QueryMultipleAsync(new CommandDefinition($"""
            SELECT finished_at IS NULL AND superseded_by IS NULL
            FROM poll_cycle_page CROSS JOIN pg_advisory_xact_lock_shared({SeriesPieces.WritersLock})
            WHERE cycle_id = @cycleId AND page_no = @pageNo FOR UPDATE OF poll_cycle_page;
            SELECT s.coin_key, s.last_updated_at
            FROM price_sample s JOIN unnest(@coinKeys, @timestamps) AS i(coin_key, last_updated_at) USING (coin_key, last_updated_at);
            """, new
            {
                cycleId = page.CycleId, pageNo = page.PageNo,
                coinKeys = page.Samples.Select(s => s.CoinKey).ToArray(), timestamps = page.Samples.Select(s => s.LastUpdatedAt).ToArray(),
            }, tx, cancellationToken: ct));
        if (!await found.ReadSingleOrDefaultAsync<bool>())
        {
            await tx.RollbackAsync(ct);
            return Closed;
        }
        var existing = (await found.ReadAsync<(int, DateTime)>()).ToHashSet();
        var fresh = page.Samples.Where(s => !existing.Contains((s.CoinKey, s.LastUpdatedAt))).ToArray();
        if (fresh.Length > 0)
        {
            try
            {
                var rows = new BinaryCopyWriter();
                var maxRowBytes = 8 + 8 + 12 + page.SeededIndexes.Length * 12;
                foreach (var sample in fresh)
                {
                    rows.StartRow((short)(3 + page.SeededIndexes.Length), maxRowBytes);
                    rows.WriteInt32(sample.CoinKey);
                    rows.WriteInt32(page.CycleId);
                    rows.WriteTimestamp(sample.LastUpdatedAt);
                    foreach (var i in page.SeededIndexes)
                        rows.WriteDouble(sample.Prices[i]);
                }
                rows.Finish();
                await using var copy = await connection.BeginRawBinaryCopyAsync(
                    $"COPY price_sample (coin_key, cycle_id, last_updated_at{page.Columns}) FROM STDIN (FORMAT BINARY)", ct);
                await copy.WriteAsync(rows.Written, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await tx.RollbackAsync(ct);
                return null;
            }
        }

        var parameters = page.BookkeepingParameters();
        parameters.Add("stored_coins", fresh.Select(s => s.CoinKey).ToArray());
        parameters.Add("stored_timestamps", fresh.Select(s => s.LastUpdatedAt).ToArray());
        var result = await connection.QuerySingleAsync<int>(new CommandDefinition(
            Sql(page, copied: true), parameters, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>The page in one statement: INSERT … ON CONFLICT DO NOTHING and the bookkeeping.</summary>
    private async Task<int> UpsertAsync(NpgsqlConnection connection, Page page, CancellationToken ct)
    {
        var parameters = page.BookkeepingParameters();
        parameters.Add("coin_keys", page.Samples.Select(s => s.CoinKey).ToArray());
        parameters.Add("timestamps", page.Samples.Select(s => s.LastUpdatedAt).ToArray());
        foreach (var i in page.SeededIndexes)
            parameters.Add($"p{page.Currencies[i].CurrencyKey}", page.Samples.Select(s => s.Prices[i]).ToArray());
        return await connection.QuerySingleAsync<int>(new CommandDefinition(Sql(page, copied: false), parameters, cancellationToken: ct));
    }

    /// <summary>
    /// The statement that counts the page: <c>ins</c> is the rows just stored (copied before, or inserted here),
    /// their prices in later currencies go to price_sample_extra, their hours are marked for the rank recompute (and
    /// for the series compactor when they are late). Pages hold the writers' lock shared: see <see cref="SeriesCompactor"/>.
    /// </summary>
    private string Sql(Page page, bool copied) => _sql.GetOrAdd((copied, page.Columns), _ =>
    {
        var seeded = page.SeededIndexes.Select(i => page.Currencies[i]).ToArray();
        var ins = copied
            ? "SELECT coin_key, last_updated_at FROM unnest(@stored_coins, @stored_timestamps) AS s(coin_key, last_updated_at)"
            : $"""
                INSERT INTO price_sample (coin_key, cycle_id, last_updated_at{page.Columns})
                SELECT coin_key, @cycle_id, last_updated_at{string.Concat(seeded.Select(c => $", c{c.CurrencyKey}"))}
                FROM unnest(@coin_keys, @timestamps{string.Concat(seeded.Select(c => $", @p{c.CurrencyKey}"))})
                     AS i(coin_key, last_updated_at{string.Concat(seeded.Select(c => $", c{c.CurrencyKey}"))})
                WHERE EXISTS (SELECT 1 FROM open)
                ON CONFLICT DO NOTHING
                RETURNING coin_key, last_updated_at
                """;
        // Copied, the page's row is already locked and found open; inserted here, this statement locks it.
        var open = copied ? "" : $"""
            open AS (
                SELECT 1 FROM poll_cycle_page CROSS JOIN pg_advisory_xact_lock_shared({SeriesPieces.WritersLock})
                 WHERE cycle_id = @cycle_id AND page_no = @page_no AND finished_at IS NULL AND superseded_by IS NULL
                   FOR UPDATE OF poll_cycle_page
            ),
            """;
        return $"""
            WITH {open} ins AS (
                {ins}
            ), extra AS (
                INSERT INTO price_sample_extra (coin_key, last_updated_at, currency_key, price)
                SELECT e.coin_key, e.last_updated_at, e.currency_key, e.price
                FROM unnest(@extra_coins, @extra_timestamps, @extra_currencies, @extra_prices) AS e(coin_key, last_updated_at, currency_key, price)
                JOIN ins USING (coin_key, last_updated_at)
            ), stored AS (
                SELECT count(*)::int AS n FROM ins
            ), dirty AS (
                INSERT INTO price_hour_dirty (hour, coin_keys)
                SELECT date_trunc('hour', last_updated_at, 'UTC'), array_agg(coin_key) FROM ins GROUP BY 1
            ), stale AS (
                -- A sample older than what the compactor may already have written hides behind a piece until rebuilt.
                INSERT INTO price_series_stale (coin_key, hour)
                SELECT DISTINCT coin_key, date_trunc('hour', last_updated_at, 'UTC') FROM ins
                WHERE last_updated_at < {SeriesPieces.CompactableUntil}
                ON CONFLICT (coin_key, hour) DO UPDATE SET marks = price_series_stale.marks + 1
            ), page AS (
                UPDATE poll_cycle_page
                   SET finished_at = clock_timestamp(), rows_stored = stored.n, stale = @sent - stored.n,
                       skipped = @skipped, refused = @refused, refusal = @refusal
                  FROM stored
                 WHERE cycle_id = @cycle_id AND page_no = @page_no AND finished_at IS NULL AND superseded_by IS NULL
            )
            SELECT {(copied ? "stored.n" : $"CASE WHEN EXISTS (SELECT 1 FROM open) THEN stored.n ELSE {Closed} END")} FROM stored
            """;
    });

    private sealed class Page(int cycleId, int pageNo, IReadOnlyList<Currency> currencies, IReadOnlyList<PriceSample> samples, PageCounts counts)
    {
        public int CycleId => cycleId;
        public int PageNo => pageNo;
        public IReadOnlyList<Currency> Currencies => currencies;
        public IReadOnlyList<PriceSample> Samples => samples;

        /// <summary>Positions in <see cref="Currencies"/> (and in each sample's prices) of the currencies with a column.</summary>
        public int[] SeededIndexes { get; } = Enumerable.Range(0, currencies.Count).Where(i => currencies[i].ColumnName is not null).ToArray();

        public string Columns => field ??= string.Concat(SeededIndexes.Select(i => $", {currencies[i].Column}"));

        public DynamicParameters BookkeepingParameters()
        {
            var extras = new List<(int CoinKey, DateTime At, short CurrencyKey, double Price)>();
            for (var i = 0; i < currencies.Count; i++)
            {
                if (currencies[i].ColumnName is null)
                    extras.AddRange(samples.Where(s => s.Prices[i] is not null).Select(s => (s.CoinKey, s.LastUpdatedAt, currencies[i].CurrencyKey, s.Prices[i]!.Value)));
            }
            var parameters = new DynamicParameters(new
            {
                cycle_id = cycleId,
                page_no = pageNo,
                skipped = counts.Skipped,
                refused = counts.Refused,
                refusal = counts.Refusal,
                sent = samples.Count,
                extra_coins = extras.Select(e => e.CoinKey).ToArray(),
                extra_timestamps = extras.Select(e => e.At).ToArray(),
                extra_currencies = extras.Select(e => e.CurrencyKey).ToArray(),
                extra_prices = extras.Select(e => e.Price).ToArray(),
            });
            return parameters;
        }
    }
}
