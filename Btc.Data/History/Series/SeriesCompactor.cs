using System.Collections.Concurrent;
using System.Diagnostics;
using Btc.Data.History.Bars;
using Btc.Data.Currencies;
using Dapper;
using Npgsql;

namespace Btc.Data.History.Series;

/// <summary>
/// Writes pieces from raw samples (docs/decisions/0003): each quarter of an hour once it is compactable, then the
/// whole hour in place of its quarters, moving the watermark (pieces_until) with each, one transaction per piece;
/// and rebuilds a coin's hour that a late sample made stale (and its bars, when its day is rolled up). Every step
/// replaces what it writes, so a run killed at any point, or two runs at once, leave the same pieces as one run.
/// </summary>
public sealed class SeriesCompactor(NpgsqlDataSource db)
{
    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // An hour of 15,000 coins is 900,000 samples: 15-30 s to compact here, past Npgsql's default 30 s at worst.
    private const int CompactionTimeout = 300;

    // The raw samples of a step's span; of the stale (coin, hour)s a rebuild takes.
    private const string StepSource = "price_sample x WHERE x.last_updated_at >= @from AND x.last_updated_at < @to";
    private const string RebuildSource = """
        price_sample x JOIN unnest(@coins, @hours) AS s(coin_key, hour) ON x.coin_key = s.coin_key
         AND x.last_updated_at >= s.hour AND x.last_updated_at < least(s.hour + interval '1 hour', @until)
        """;

    // Stale marks rebuilt per transaction: a backlog is worked off in bounded steps.
    private const int RebuildBatch = 500;

    private readonly ConcurrentDictionary<(string Kind, string Currencies), string> _sql = new();

    /// <summary>
    /// Compacts what is compactable, for at most <paramref name="budget"/> (the rest is left for the next run).
    /// </summary>
    /// <returns>null when pages kept the compactor from starting (it waits five seconds at most); nothing was
    /// done.</returns>
    public async Task<CompactionResult?> RunAsync(
        IReadOnlyList<Currency> currencies, TimeSpan budget, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await CompactableUntilAsync(connection, ct) is not { } until)
            return null;

        var rebuilt = 0;
        while (await RebuildStaleAsync(connection, currencies, ct) is var n and > 0)
        {
            rebuilt += n;
            if (Stopwatch.GetElapsedTime(started) >= budget)
                break;
        }

        var pieces = 0;
        DateTime? piecesUntil;
        while ((piecesUntil = await StepAsync(connection, currencies, until, ct)) is not null)
        {
            pieces++;
            if (Stopwatch.GetElapsedTime(started) >= budget)
                break;
        }
        var (_, watermark) = await WatermarkAsync(connection, null, ct);
        return new CompactionResult(pieces, rebuilt, watermark, CaughtUp: piecesUntil is null);
    }

    /// <summary>
    /// The end of what may be compacted now. Taking the writers' lock alone waits for every page transaction that
    /// holds it: each of those has committed before this reads the clock, and every later page reads the clock
    /// after this does, so it marks (price_series_stale) any sample it stores before the returned time.
    /// </summary>
    private static async Task<DateTime?> CompactableUntilAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            // A queued exclusive lock holds up the pages behind it: give up quickly rather than stall them.
            var until = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition($"""
                SET LOCAL lock_timeout = '5s';
                SELECT {SeriesPieces.CompactableUntil} FROM pg_advisory_xact_lock({SeriesPieces.WritersLock});
                """, transaction: tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return until;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return null;
        }
    }

    /// <summary>
    /// Compacts the next piece before <paramref name="until"/>; returns the new watermark, or null when there is none.
    /// </summary>
    private async Task<DateTime?> StepAsync(
        NpgsqlConnection connection, IReadOnlyList<Currency> currencies, DateTime until, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (_, watermark) = await WatermarkAsync(connection, tx, ct);
        var hour = new DateTime(watermark.Ticks - watermark.Ticks % Hour.Ticks, DateTimeKind.Utc);
        // The hour once complete (replacing its quarters), else the next quarter.
        var (from, to) = hour + Hour <= until ? (hour, hour + Hour)
            : watermark + Quarter <= until ? (watermark, watermark + Quarter)
            : (watermark, watermark);
        if (from == to)
            return null;

        var sql = _sql.GetOrAdd(("step", Key(currencies)), _ => $"""
            SELECT ensure_price_sample_partition((@from AT TIME ZONE 'UTC')::date);
            DELETE FROM price_series_piece WHERE start >= @from AND start < @to;
            {SeriesPieces.InsertSql(currencies, "@from::timestamptz", StepSource)};
            UPDATE price_series_compaction SET pieces_until = @to;
            """);
        await connection.ExecuteAsync(
            new CommandDefinition(sql, new { from, to }, tx, CompactionTimeout, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return to;
    }

    /// <summary>
    /// Rebuilds up to <see cref="RebuildBatch"/> stale (coin, hour) pieces from raw, and deletes the marks no page
    /// set again meanwhile (one set again is rebuilt next time). Returns how many marks were taken.
    /// </summary>
    private async Task<int> RebuildStaleAsync(
        NpgsqlConnection connection, IReadOnlyList<Currency> currencies, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (piecesFrom, piecesUntil) = await WatermarkAsync(connection, tx, ct);
        var marks = (await connection.QueryAsync<(int CoinKey, DateTime Hour, int Marks)>(new CommandDefinition(
            "SELECT coin_key, hour, marks FROM price_series_stale ORDER BY hour, coin_key LIMIT @batch",
            new { batch = RebuildBatch }, tx, cancellationToken: ct))).AsList();
        if (marks.Count == 0)
            return 0;

        // Hours before pieces_from are read raw, those from pieces_until on compacted later: nothing to rebuild.
        var rebuild = marks.Where(m => m.Hour >= piecesFrom && m.Hour < piecesUntil).ToArray();
        var sql = _sql.GetOrAdd(("rebuild", Key(currencies)), _ => $"""
            DELETE FROM price_series_piece p USING unnest(@coins, @hours) AS s(coin_key, hour)
             WHERE p.coin_key = s.coin_key AND p.start >= s.hour AND p.start < s.hour + interval '1 hour';
            {SeriesPieces.InsertSql(currencies, "s.hour", RebuildSource)};
            DELETE FROM price_series_stale s
             USING unnest(@all_coins, @all_hours, @all_marks) AS m(coin_key, hour, marks)
             WHERE s.coin_key = m.coin_key AND s.hour = m.hour AND s.marks = m.marks;
            """);
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            coins = rebuild.Select(m => m.CoinKey).ToArray(),
            hours = rebuild.Select(m => m.Hour).ToArray(),
            until = piecesUntil,
            all_coins = marks.Select(m => m.CoinKey).ToArray(),
            all_hours = marks.Select(m => m.Hour).ToArray(),
            all_marks = marks.Select(m => m.Marks).ToArray(),
        }, tx, CompactionTimeout, cancellationToken: ct));

        // A day already rolled up into bars is rolled up again for each coin with a late sample in it.
        var (barsUntil, nextCoin) = await connection.QuerySingleAsync<(DateOnly, int)>(new CommandDefinition(
            "SELECT bars_until, next_coin_key FROM price_history", transaction: tx, cancellationToken: ct));
        var rolledUp = rebuild
            .Select(m => (m.CoinKey, Day: DateOnly.FromDateTime(m.Hour)))
            .Where(m => m.Day < barsUntil || (m.Day == barsUntil && m.CoinKey < nextCoin))
            .Distinct();
        foreach (var (coinKey, day) in rolledUp)
            await BarRollup.RollUpAsync(connection, tx, day, coinKey, coinKey + 1, ct);
        await tx.CommitAsync(ct);
        return marks.Count;
    }

    /// <summary>
    /// Within a transaction, takes the compactor's lock first, so that steps and rebuilds never interleave.
    /// </summary>
    private static async Task<(DateTime PiecesFrom, DateTime PiecesUntil)> WatermarkAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        // A statement of its own: the read after it then sees what the lock's previous holder committed.
        if (tx is not null)
            await connection.ExecuteAsync(new CommandDefinition(
                $"SELECT pg_advisory_xact_lock({SeriesPieces.CompactorLock})", transaction: tx, cancellationToken: ct));
        return await connection.QuerySingleAsync<(DateTime, DateTime)>(new CommandDefinition(
            "SELECT pieces_from, pieces_until FROM price_series_compaction", transaction: tx, cancellationToken: ct));
    }

    private static string Key(IReadOnlyList<Currency> currencies) =>
        string.Join(',', currencies.Where(c => c.ColumnName is not null).Select(c => c.CurrencyKey));
}
