using System.Collections.Concurrent;
using Btc.Data.Copy;
using Btc.Data.Currencies;
using Btc.Data.Freshness;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Codec;
using Btc.Data.Live;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.Prices;

public sealed class PriceSampleStore(NpgsqlDataSource db)
{
    // Pages hold the writers' lock shared (see SeriesCompactor) and lock their page's row, so that a newer cycle
    // superseding the page waits for this commit or finds it superseded. Then the samples the page holds already: as
    // raw rows, then in pieces (a stale price polled again after its first copy was packed). In that order: a pack
    // moves a sample from the first to the second, never back.
    private const string LockPageSql = $"""
        SELECT finished_at IS NULL AND superseded_by IS NULL
        FROM poll_cycle_page CROSS JOIN pg_advisory_xact_lock_shared({SeriesPieces.WritersLock})
        WHERE cycle_id = @cycleId AND page_no = @pageNo FOR UPDATE OF poll_cycle_page;
        SELECT s.coin_key, s.last_updated_at
        FROM price_sample s
        JOIN unnest(@coinKeys, @timestamps) AS i(coin_key, last_updated_at) USING (coin_key, last_updated_at);
        SELECT DISTINCT ON (p.coin_key, p.start) p.coin_key, p.start, p.data
        FROM unnest(@coinKeys, @timestamps) AS i(coin_key, at)
        CROSS JOIN price_series_compaction c
        JOIN LATERAL (SELECT coin_key, start, data FROM price_piece
                      WHERE coin_key = i.coin_key AND start <= i.at AND start > i.at - interval '1 hour') p ON true
        WHERE i.at < c.pieces_until;
        """;

    // What counts a page, after the CTE ins (the rows just stored): their prices in later currencies go to
    // price_sample_extra, their hours are marked for the rank recompute (and for the series compactor when they are
    // late), the page is finished with its counts, and it takes its position on the commit cursor (last: the
    // cursor's lock is then held for the commit only). The same in both ways of storing.
    private const string CountPageCtes = $"""
        extra AS (
            INSERT INTO price_sample_extra (coin_key, last_updated_at, currency_key, price)
            SELECT e.coin_key, e.last_updated_at, e.currency_key, e.price
            FROM unnest(@extra_coins, @extra_timestamps, @extra_currencies, @extra_prices)
                 AS e(coin_key, last_updated_at, currency_key, price)
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
        ), {PriceCommits.CommitCtes}
        """;

    // After COPY, in its transaction: the page's row is locked and found open already (LockPageSql).
    private const string CountCopiedSql = $"""
        WITH ins AS (
            SELECT coin_key, last_updated_at
            FROM unnest(@stored_coins, @stored_timestamps) AS s(coin_key, last_updated_at)
        ), {CountPageCtes}
        SELECT stored.n FROM stored
        """;

    // The seeded currencies' columns are rows of the currency table, so this statement is built once per column list:
    // the columns are the only part that varies. The statement locks the page's row itself (open).
    private readonly ConcurrentDictionary<string, string> _insertSql = new();

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
        var stored = await CopyAsync(connection, page, ct) ?? await InsertAsync(connection, page, ct);
        if (stored.PageClosed)
            return new PageResult(0, 0, Closed: true);
        if (stored.Rows > 0)
            await DataChanges.NotifyAsync(connection, ct);
        return new PageResult(stored.Rows, samples.Count - stored.Rows, Closed: false);
    }

    /// <summary>
    /// Binary COPY of the samples not stored yet, then the bookkeeping. COPY writes rows in batches where INSERT
    /// writes them one at a time, but cannot skip a key stored in between by another page: that rare race rolls
    /// back and returns null, for <see cref="InsertAsync"/> to store the page instead.
    /// </summary>
    private static async Task<Stored?> CopyAsync(NpgsqlConnection connection, Page page, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (open, existing) = await LockPageAsync(connection, tx, page, ct);
        if (!open)
        {
            await tx.RollbackAsync(ct);
            return new Stored(0, PageClosed: true);
        }
        var fresh = page.Samples.Where(s => !existing.Contains((s.CoinKey, s.LastUpdatedAt))).ToArray();
        if (fresh.Length > 0 && !await TryCopyAsync(connection, page, fresh, ct))
        {
            await tx.RollbackAsync(ct);
            return null;
        }
        var parameters = page.BookkeepingParameters();
        parameters.Add("stored_coins", fresh.Select(s => s.CoinKey).ToArray());
        parameters.Add("stored_timestamps", fresh.Select(s => s.LastUpdatedAt).ToArray());
        var rows = await connection.QuerySingleAsync<int>(
            new CommandDefinition(CountCopiedSql, parameters, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new Stored(rows, PageClosed: false);
    }

    /// <summary>Whether the page is open (its row now locked), and the keys of its samples stored already.</summary>
    private static async Task<(bool Open, HashSet<(int, DateTime)> Existing)> LockPageAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Page page, CancellationToken ct)
    {
        var parameters = new
        {
            cycleId = page.CycleId,
            pageNo = page.PageNo,
            coinKeys = page.Samples.Select(s => s.CoinKey).ToArray(),
            timestamps = page.Samples.Select(s => s.LastUpdatedAt).ToArray(),
        };
        await using var found = await connection.QueryMultipleAsync(
            new CommandDefinition(LockPageSql, parameters, tx, cancellationToken: ct));
        if (!await found.ReadSingleOrDefaultAsync<bool>())
            return (false, []);
        var existing = (await found.ReadAsync<(int, DateTime)>()).ToHashSet();
        foreach (var (coinKey, start, data) in await found.ReadAsync<(int, DateTime, byte[])>())
        {
            foreach (var second in SeriesPieceCodec.DecodeSeconds(data))
                existing.Add((coinKey, start.AddSeconds(second)));
        }
        return (true, existing);
    }

    /// <summary>COPY of <paramref name="fresh"/>; false when a key was stored in between.</summary>
    private static async Task<bool> TryCopyAsync(
        NpgsqlConnection connection, Page page, IReadOnlyList<PriceSample> fresh, CancellationToken ct)
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
            var sql = $"""
                COPY price_sample (coin_key, cycle_id, last_updated_at{page.Columns}) FROM STDIN (FORMAT BINARY)
                """;
            await using var copy = await connection.BeginRawBinaryCopyAsync(sql, ct);
            await copy.WriteAsync(rows.Written, ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>The page in one statement: INSERT … ON CONFLICT DO NOTHING and the bookkeeping.</summary>
    private async Task<Stored> InsertAsync(NpgsqlConnection connection, Page page, CancellationToken ct)
    {
        var parameters = page.BookkeepingParameters();
        parameters.Add("coin_keys", page.Samples.Select(s => s.CoinKey).ToArray());
        parameters.Add("timestamps", page.Samples.Select(s => s.LastUpdatedAt).ToArray());
        foreach (var i in page.SeededIndexes)
            parameters.Add($"p{page.Currencies[i].CurrencyKey}", page.Samples.Select(s => s.Prices[i]).ToArray());
        var sql = _insertSql.GetOrAdd(page.Columns, _ => InsertSql(page));
        var (open, rows) = await connection.QuerySingleAsync<(bool, int)>(
            new CommandDefinition(sql, parameters, cancellationToken: ct));
        return new Stored(rows, PageClosed: !open);
    }

    // Each seeded currency's prices come as the array @p{currency key}, unnested into a column of its own name.
    private static string InsertSql(Page page) => $"""
        WITH open AS (
            SELECT 1 FROM poll_cycle_page CROSS JOIN pg_advisory_xact_lock_shared({SeriesPieces.WritersLock})
             WHERE cycle_id = @cycle_id AND page_no = @page_no AND finished_at IS NULL AND superseded_by IS NULL
               FOR UPDATE OF poll_cycle_page
        ), ins AS (
            INSERT INTO price_sample (coin_key, cycle_id, last_updated_at{page.Columns})
            SELECT coin_key, @cycle_id, last_updated_at{page.Columns}
            FROM unnest(@coin_keys, @timestamps{page.PriceParameters}) AS i(coin_key, last_updated_at{page.Columns})
            WHERE EXISTS (SELECT 1 FROM open)
            ON CONFLICT DO NOTHING
            RETURNING coin_key, last_updated_at
        ), {CountPageCtes}
        SELECT EXISTS (SELECT 1 FROM open), stored.n FROM stored
        """;

    /// <summary>What a way of storing did: the rows it stored, or that the page was closed (nothing stored).</summary>
    private readonly record struct Stored(int Rows, bool PageClosed);

    private sealed class Page(
        int cycleId, int pageNo, IReadOnlyList<Currency> currencies, IReadOnlyList<PriceSample> samples,
        PageCounts counts)
    {
        public int CycleId => cycleId;
        public int PageNo => pageNo;
        public IReadOnlyList<Currency> Currencies => currencies;
        public IReadOnlyList<PriceSample> Samples => samples;

        /// <summary>Positions in <see cref="Currencies"/> (and in each sample's prices) of the seeded ones.</summary>
        public int[] SeededIndexes { get; } =
            Enumerable.Range(0, currencies.Count).Where(i => currencies[i].ColumnName is not null).ToArray();

        /// <summary>The seeded currencies' price_sample columns, each after a comma.</summary>
        public string Columns => field ??= string.Concat(SeededIndexes.Select(i => $", {currencies[i].Column}"));

        /// <summary>The seeded currencies' price arrays as parameters, each after a comma.</summary>
        public string PriceParameters =>
            string.Concat(SeededIndexes.Select(i => $", @p{currencies[i].CurrencyKey}"));

        public DynamicParameters BookkeepingParameters()
        {
            var extras = Extras();
            return new DynamicParameters(new
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
        }

        /// <summary>The prices of currencies without a column, for price_sample_extra.</summary>
        private List<(int CoinKey, DateTime At, short CurrencyKey, double Price)> Extras()
        {
            var extras = new List<(int CoinKey, DateTime At, short CurrencyKey, double Price)>();
            for (var i = 0; i < currencies.Count; i++)
            {
                if (currencies[i].ColumnName is not null)
                    continue;
                var currency = currencies[i].CurrencyKey;
                extras.AddRange(samples
                    .Where(s => s.Prices[i] is not null)
                    .Select(s => (s.CoinKey, s.LastUpdatedAt, currency, s.Prices[i]!.Value)));
            }
            return extras;
        }
    }
}
