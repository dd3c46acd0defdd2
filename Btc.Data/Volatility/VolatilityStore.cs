using Btc.Data.Currencies;
using Btc.Data.Freshness;
using Btc.Data.Prices;
using Dapper;
using Npgsql;
using NpgsqlTypes;

using Btc.Data.History.Series.Rates;

namespace Btc.Data.Volatility;

/// <summary>
/// Volatility ranks over the 24 hours ending at a given minute. The window is assembled per coin from three
/// parts merged with Chan's formula: the partial hours at its start and end, read raw, and between them the
/// complete hours, kept pre-merged in price_window_block (rebuilt from price_hour_stats when the window crosses an
/// hour, and for single coins when late samples land in one of its hours). A recompute each minute so reads one
/// hour of samples and one row per coin, whatever the history, and equals a direct computation over the window.
/// The ranking itself is <see cref="VolatilityRanker"/>'s.
/// </summary>
public sealed class VolatilityStore
{
    private readonly NpgsqlDataSource _db;
    private readonly SampleSummaries _samples;
    private readonly HourStatsStore _hours;

    public VolatilityStore(NpgsqlDataSource db, RateStore? rates = null)
    {
        _db = db;
        _samples = new SampleSummaries(db, rates ?? new RateStore());
        _hours = new HourStatsStore(db, _samples);
    }

    public async Task<RecomputeResult> RecomputeAsync(
        IReadOnlyList<Currency> currencies, DateTime asOf, CancellationToken ct = default)
    {
        var windowStart = asOf - PriceWindow.Day;
        // The hour the window starts in is always read raw, even when the window starts on it: otherwise the
        // complete hours would change twice an hour (24 of them on the hour, 23 a minute later), and the block
        // with them.
        var fullFrom = FloorHour(windowStart).AddHours(1);
        var fullTo = FloorHour(asOf);
        var reading = new RecomputeCurrencies(currencies);

        await using var connection = await _db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One recompute at a time: two would each delete the other's freshly written ranks.
        await connection.ExecuteAsync(new CommandDefinition(
            $"{SampleSummaries.ReadSettings} SELECT pg_advisory_xact_lock(hashtext('volatility_rank'))",
            transaction: tx, cancellationToken: ct));

        // The partial hours are read raw on connections of their own while this one brings the complete hours up
        // to date: with cores to spare, the reads (most of the cost) overlap.
        var start = _samples.OfSpanAsync(reading, windowStart, fullFrom, ct);
        var end = _samples.OfSpanAsync(reading, fullTo, asOf, ct);
        var complete = CompleteHoursAsync(connection, tx, reading, fullFrom, fullTo, ct);
        await Task.WhenAll(start, end, complete);
        var window = SampleSummaries.Concatenate([start.Result, complete.Result.Block, end.Result]);

        var ranking = VolatilityRanker.Rank(currencies, window);
        await WriteRanksAsync(connection, tx, ranking, asOf, ct);
        await tx.CommitAsync(ct);
        await DataChanges.NotifyAsync(connection, ct);
        return new RecomputeResult(
            asOf, complete.Result.HoursSummarized, complete.Result.CoinHoursRefreshed, ranking.Ranks);
    }

    public async Task<VolatilityRank?> FindAsync(
        int coinKey, short currencyKey, VolatilityMeasure measure, CancellationToken ct = default)
    {
        await using var connection = await _db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VolatilityRank>(new CommandDefinition("""
            SELECT r.rank[@currencyKey] AS Rank, k.out_of AS OutOf, r.volatility[@currencyKey] AS Volatility,
                   k.as_of AS AsOf
            FROM volatility_rank r
            JOIN volatility_ranking k ON k.currency_key = @currencyKey AND k.measure = r.measure
            WHERE r.coin_key = @coinKey AND r.measure = @measure AND r.rank[@currencyKey] IS NOT NULL
            """, new { coinKey, currencyKey = (int)currencyKey, measure = (short)measure }, cancellationToken: ct));
    }

    /// <summary>
    /// The first <paramref name="limit"/> coins of a currency's ranking by <paramref name="measure"/>: the most
    /// volatile first, or the least when <paramref name="mostFirst"/> is false; ties in id order either way. One
    /// statement, so that the count and the coins come from the same recompute.
    /// </summary>
    public async Task<VolatilityBoard> BoardAsync(
        short currencyKey, VolatilityMeasure measure, bool mostFirst, int limit, CancellationToken ct = default)
    {
        await using var connection = await _db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<BoardRow>(new CommandDefinition("""
            SELECT k.as_of AS AsOf, k.out_of AS OutOf, x.rank AS Rank, x.id AS Id, x.symbol AS Symbol,
                   x.name AS Name, x.volatility AS Volatility
            FROM volatility_ranking k
            LEFT JOIN LATERAL (
                SELECT r.rank[@currencyKey] AS rank, c.id, c.symbol, c.name, r.volatility[@currencyKey] AS volatility
                FROM volatility_rank r JOIN coin c USING (coin_key)
                WHERE r.measure = k.measure AND r.rank[@currencyKey] IS NOT NULL
                ORDER BY r.rank[@currencyKey] * @direction, c.id
                LIMIT @limit) x ON true
            WHERE k.currency_key = @currencyKey AND k.measure = @measure
            """,
            new { currencyKey = (int)currencyKey, measure = (short)measure, direction = mostFirst ? 1 : -1, limit },
            cancellationToken: ct))).AsList();
        if (rows.Count == 0)
            return new VolatilityBoard(null, 0, []);
        var coins = rows.Where(r => r.Id is not null)
            .Select(r => new RankedCoin(r.Rank!.Value, r.Id!, r.Symbol!, r.Name!, r.Volatility!.Value)).ToArray();
        return new VolatilityBoard(rows[0].AsOf, rows[0].OutOf, coins);
    }

    /// <summary>A row of <see cref="BoardAsync"/>: the ranking's, and a coin's (null when it ranks none).</summary>
    private sealed record BoardRow(
        DateTime AsOf, int OutOf, int? Rank, string? Id, string? Symbol, string? Name, double? Volatility);

    /// <summary>
    /// Brings the hour statistics of the window's complete hours up to date and returns those hours merged per coin:
    /// from price_window_block when it covers the same hours (rebuilt for the coins whose hours changed), else
    /// merged again from the hour statistics.
    /// </summary>
    private async Task<(Dictionary<int, CoinSegments> Block, int HoursSummarized, int CoinHoursRefreshed)>
        CompleteHoursAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, RecomputeCurrencies reading, DateTime fullFrom,
        DateTime fullTo, CancellationToken ct)
    {
        var (missing, refreshedCoins, coinHours, marks) = await SummarizeHoursAsync(
            connection, tx, reading, fullFrom, fullTo, ct);

        var span = await connection.QuerySingleOrDefaultAsync<(DateTime From, DateTime To)?>(new CommandDefinition(
            "SELECT from_hour, to_hour FROM price_window_block_span", transaction: tx, cancellationToken: ct));
        Dictionary<int, CoinSegments> block;
        if (span == (fullFrom, fullTo) && missing == 0)
        {
            block = await HourStatsStore.ReadBlockAsync(connection, reading, ct);
            if (refreshedCoins.Length > 0)
            {
                var rebuilt = await _hours.MergeHoursAsync(reading, fullFrom, fullTo, refreshedCoins, ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM price_window_block WHERE coin_key = ANY(@coins)", new { coins = refreshedCoins }, tx,
                    cancellationToken: ct));
                await HourStatsStore.WriteBlockAsync(connection, rebuilt, ct);
                foreach (var coin in refreshedCoins)
                    block.Remove(coin);
                foreach (var (coin, stats) in rebuilt)
                    block[coin] = stats;
            }
        }
        else
        {
            block = await _hours.MergeHoursAsync(reading, fullFrom, fullTo, null, ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                DELETE FROM price_window_block;
                DELETE FROM price_window_block_span;
                INSERT INTO price_window_block_span (from_hour, to_hour) VALUES (@fullFrom, @fullTo);
                """, new { fullFrom, fullTo }, tx, cancellationToken: ct));
            await HourStatsStore.WriteBlockAsync(connection, block, ct);
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_hour_dirty WHERE mark = ANY(@marks);
            DELETE FROM price_hour_stats WHERE hour < @fullFrom;
            DELETE FROM price_hour_summarized WHERE hour < @fullFrom;
            """, new { marks, fullFrom }, tx, cancellationToken: ct));
        return (block, missing, coinHours);
    }

    /// <summary>
    /// Summarizes the complete hours of the window never summarized, and again the coins with samples stored in a
    /// summarized hour since (marks in price_hour_dirty, whose ids are returned for deletion with the block).
    /// </summary>
    private async Task<(int Missing, int[] RefreshedCoins, int CoinHours, long[] Marks)> SummarizeHoursAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, RecomputeCurrencies reading, DateTime fullFrom,
        DateTime fullTo, CancellationToken ct)
    {
        var range = new { fullFrom, fullTo };
        var summarized = (await connection.QueryAsync<DateTime>(new CommandDefinition(
            "SELECT hour FROM price_hour_summarized WHERE hour >= @fullFrom AND hour < @fullTo", range, tx,
            cancellationToken: ct))).ToHashSet();
        var marks = (await connection.QueryAsync<(long Mark, DateTime Hour, int[] Coins)>(new CommandDefinition(
            "SELECT mark, hour, coin_keys FROM price_hour_dirty WHERE hour < @fullTo", range, tx,
            cancellationToken: ct))).AsList();

        var missing = 0;
        // Hour statistics are committed as they are made, each hour (or coin-hour) in a transaction of its own, so
        // that the block can be merged from them on several connections at once; the caller's advisory lock still
        // keeps other recomputes out, and a failed recompute leaves only correct statistics behind.
        for (var hour = fullFrom; hour < fullTo; hour = hour.AddHours(1))
        {
            if (summarized.Contains(hour))
                continue;
            await _hours.StoreHourAsync(
                hour, await _samples.OfSpanAsync(reading, hour, hour.AddHours(1), ct), null, ct);
            missing++;
        }

        var refreshedCoins = new HashSet<int>();
        var coinHours = 0;
        foreach (var late in marks.Where(m => summarized.Contains(m.Hour)).GroupBy(m => m.Hour))
        {
            var coins = late.SelectMany(m => m.Coins).Distinct().ToArray();
            var stats = await _samples.ReadAsync(
                c => _samples.OfCoinsAsync(c, reading, late.Key, late.Key.AddHours(1), coins, ct), ct);
            await _hours.StoreHourAsync(late.Key, stats, coins, ct);
            refreshedCoins.UnionWith(coins);
            coinHours += coins.Length;
        }
        return (missing, refreshedCoins.ToArray(), coinHours, marks.Select(m => m.Mark).ToArray());
    }

    /// <summary>Replaces the stored ranks with <paramref name="ranking"/>.</summary>
    private static async Task WriteRanksAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, VolatilityRanking ranking, DateTime asOf,
        CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM volatility_rank;
            DELETE FROM volatility_ranking;
            INSERT INTO volatility_ranking (currency_key, measure, out_of, as_of)
            SELECT c, m, n, @asOf FROM unnest(@currencies, @measures, @outOf) AS x(c, m, n);
            """, new
            {
                currencies = ranking.Counts.Select(o => o.CurrencyKey).ToArray(),
                measures = ranking.Counts.Select(o => (short)o.Measure).ToArray(),
                outOf = ranking.Counts.Select(o => o.OutOf).ToArray(),
                asOf,
            }, tx, cancellationToken: ct));
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY volatility_rank (coin_key, measure, rank, volatility) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var coin in ranking.Coins)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(coin.CoinKey, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync((short)coin.Measure, NpgsqlDbType.Smallint, ct);
            await writer.WriteAsync(coin.Rank, NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(coin.Volatility, NpgsqlDbType.Array | NpgsqlDbType.Double, ct);
        }
        await writer.CompleteAsync(ct);
    }

    private static DateTime FloorHour(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
}
