using System.Diagnostics;
using Btc.Data.History.Bars;
using Btc.Data.Currencies;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;

namespace Btc.Data.History.Series;

/// <summary>
/// Packs raw samples into pieces (docs/decisions/0006): each quarter of an hour once it is compactable, then the
/// whole hour in place of its quarters, moving the watermark (pieces_until) with each, one transaction per step that
/// also deletes the raw samples it packed; and folds late samples into their coin's packed hour (rolling its bars up
/// again when its day has them). Every step replaces what it writes, so a run killed at any point, or two runs at
/// once, leave the same pieces as one run.
/// </summary>
public sealed class SeriesCompactor(NpgsqlDataSource db, RateStore? rates = null)
{
    private readonly RateStore _rates = rates ?? new RateStore();

    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // Stale marks rebuilt per transaction: a backlog is worked off in bounded steps.
    private const int RebuildBatch = 500;

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
        return await CompactAsync(connection, new SpanPacker(_rates, new SeededColumns(currencies)), until, budget,
            started, ct);
    }

    /// <summary>
    /// As <see cref="RunAsync"/>, up to <paramref name="until"/> (a quarter's end) instead of the clock's quarter:
    /// the benchmark packs a filled history quarter by quarter as the worker's minutely runs would have. Nothing
    /// writes pages meanwhile there, so the writers' lock is not waited for.
    /// </summary>
    internal async Task<CompactionResult> RunUntilAsync(
        IReadOnlyList<Currency> currencies, DateTime until, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await CompactAsync(connection, new SpanPacker(_rates, new SeededColumns(currencies)), until,
            TimeSpan.MaxValue, Stopwatch.GetTimestamp(), ct);
    }

    private async Task<CompactionResult> CompactAsync(NpgsqlConnection connection, SpanPacker packer,
        DateTime until, TimeSpan budget, long started, CancellationToken ct)
    {
        var rebuilt = 0;
        while (await RebuildStaleAsync(connection, packer, ct) is var n and > 0)
        {
            rebuilt += n;
            if (Stopwatch.GetElapsedTime(started) >= budget)
                break;
        }

        var pieces = 0;
        DateTime? piecesUntil;
        while ((piecesUntil = await StepAsync(connection, packer, until, ct)) is not null)
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
    /// Packs the next span before <paramref name="until"/>; returns the new watermark, or null when there is none.
    /// </summary>
    private async Task<DateTime?> StepAsync(
        NpgsqlConnection connection, SpanPacker packer, DateTime until, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (_, watermark) = await WatermarkAsync(connection, tx, ct);
        var hour = new DateTime(watermark.Ticks - watermark.Ticks % Hour.Ticks, DateTimeKind.Utc);
        // The hour once complete (its quarters packed again into one piece), else the next quarter.
        var (from, to) = hour + Hour <= until ? (hour, hour + Hour)
            : watermark + Quarter <= until ? (watermark, watermark + Quarter)
            : (watermark, watermark);
        if (from == to)
            return null;

        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT ensure_price_sample_partition((@from AT TIME ZONE 'UTC')::date)", new { from }, tx,
            cancellationToken: ct));
        await packer.PackAsync(connection, tx, from, to, null, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE price_series_compaction SET pieces_until = @to", new { to }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return to;
    }

    /// <summary>
    /// Folds up to <see cref="RebuildBatch"/> stale (coin, hour) marks' raw samples into their pieces, and deletes
    /// the marks no page set again meanwhile (one set again is folded next time). Returns how many marks were taken.
    /// </summary>
    private async Task<int> RebuildStaleAsync(NpgsqlConnection connection, SpanPacker packer, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (piecesFrom, piecesUntil) = await WatermarkAsync(connection, tx, ct);
        var marks = (await connection.QueryAsync<(int CoinKey, DateTime Hour, int Marks)>(new CommandDefinition(
            "SELECT coin_key, hour, marks FROM price_series_stale ORDER BY hour, coin_key LIMIT @batch",
            new { batch = RebuildBatch }, tx, cancellationToken: ct))).AsList();
        if (marks.Count == 0)
            return 0;

        // Hours before pieces_from are read raw, those from pieces_until on packed later: nothing to fold.
        var rebuild = marks.Where(m => m.Hour >= piecesFrom && m.Hour < piecesUntil).ToArray();
        foreach (var hour in rebuild.GroupBy(m => m.Hour))
        {
            var to = hour.Key + Hour <= piecesUntil ? hour.Key + Hour : piecesUntil;
            await packer.PackAsync(connection, tx, hour.Key, to, hour.Select(m => m.CoinKey).ToArray(), ct);
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_series_stale s
             USING unnest(@coins, @hours, @marks) AS m(coin_key, hour, marks)
             WHERE s.coin_key = m.coin_key AND s.hour = m.hour AND s.marks = m.marks
            """, new
        {
            coins = marks.Select(m => m.CoinKey).ToArray(),
            hours = marks.Select(m => m.Hour).ToArray(),
            marks = marks.Select(m => m.Marks).ToArray(),
        }, tx, cancellationToken: ct));
        await RollUpAgainAsync(connection, tx, packer, rebuild, ct);
        await tx.CommitAsync(ct);
        return marks.Count;
    }

    /// <summary>A day already rolled up into bars is rolled up again for each coin with a late sample in it.</summary>
    private async Task RollUpAgainAsync(NpgsqlConnection connection, NpgsqlTransaction tx, SpanPacker packer,
        IEnumerable<(int CoinKey, DateTime Hour, int Marks)> rebuilt, CancellationToken ct)
    {
        var (barsUntil, nextCoin) = await connection.QuerySingleAsync<(DateOnly, int)>(new CommandDefinition(
            "SELECT bars_until, next_coin_key FROM price_history", transaction: tx, cancellationToken: ct));
        var rolledUp = rebuilt
            .Select(m => (m.CoinKey, Day: DateOnly.FromDateTime(m.Hour)))
            .Where(m => m.Day < barsUntil || (m.Day == barsUntil && m.CoinKey < nextCoin))
            .Distinct();
        foreach (var (coinKey, day) in rolledUp)
            await BarRollup.RollUpAsync(connection, tx, new(day, coinKey, coinKey + 1), packer.Columns, _rates, ct);
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
}
