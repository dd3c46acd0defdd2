using Btc.Data.Currencies;
using Btc.Data.Prices;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.Volatility;

/// <summary>
/// Volatility ranks over the 24 hours ending at a given minute, kept in volatility_rank. The window is assembled
/// from three parts merged with Chan's formula: the partial hour at its start and the partial hour at its end,
/// read raw, and between them the complete hours, kept pre-merged in price_window_block (rebuilt from the per-hour
/// statistics in price_hour_stats when the window crosses an hour or a sample lands in one of its hours). A
/// recompute each minute so reads one hour of samples, whatever the history, and the result equals a direct
/// computation over the window.
/// </summary>
public sealed class VolatilityStore(NpgsqlDataSource db)
{
    private const string StatsColumns = "n, mean, m2, lp_n, first_lp, last_lp, r_n, r_mean, r_m2";

    public async Task<RecomputeResult> RecomputeAsync(IReadOnlyList<Currency> currencies, DateTime asOf, CancellationToken ct = default)
    {
        var windowStart = asOf - PriceWindow.Day;
        var fullFrom = CeilingHour(windowStart);
        var fullTo = FloorHour(asOf);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One recompute at a time: two would each delete the other's freshly written ranks.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext('volatility_rank'))", transaction: tx, cancellationToken: ct));

        var dirty = (await connection.QueryAsync<(long Mark, DateTime Hour)>(new CommandDefinition(
            "SELECT mark, hour FROM price_hour_dirty WHERE hour < @fullTo", new { fullTo }, tx, cancellationToken: ct))).AsList();
        var hours = dirty.Select(d => d.Hour).Where(h => h >= fullFrom).Distinct().Order().ToArray();
        foreach (var hour in hours)
        {
            var stats = await SummarizeAsync(connection, currencies, hour, hour.AddHours(1), ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM price_hour_stats WHERE hour = @hour", new { hour }, tx, cancellationToken: ct));
            await WriteStatsAsync(connection, $"price_hour_stats (hour, coin_key, currency_key, {StatsColumns})", hour, stats, ct);
        }

        var span = await connection.QuerySingleOrDefaultAsync<(DateTime From, DateTime To)?>(new CommandDefinition(
            "SELECT from_hour, to_hour FROM price_window_block_span", transaction: tx, cancellationToken: ct));
        var block = span == (fullFrom, fullTo) && hours.Length == 0
            ? await ReadBlockAsync(connection, tx, ct)
            : await RebuildBlockAsync(connection, tx, fullFrom, fullTo, ct);

        var window = await SummarizeAsync(connection, currencies, windowStart, fullFrom, ct);
        foreach (var (key, stats) in block)
            window[key] = window.TryGetValue(key, out var start) ? SegmentStats.Merge(start, stats) : stats;
        foreach (var (key, stats) in await SummarizeAsync(connection, currencies, fullTo, asOf, ct))
            window[key] = window.TryGetValue(key, out var before) ? SegmentStats.Merge(before, stats) : stats;

        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_hour_dirty WHERE mark = ANY(@marks);
            DELETE FROM price_hour_stats WHERE hour < @fullFrom;
            DELETE FROM volatility_rank;
            """, new { marks = dirty.Select(d => d.Mark).ToArray(), fullFrom }, tx, cancellationToken: ct));
        var ranks = await WriteRanksAsync(connection, window, asOf, ct);
        await tx.CommitAsync(ct);
        return new RecomputeResult(asOf, hours.Length, ranks);
    }

    public async Task<VolatilityRank?> FindAsync(int coinKey, short currencyKey, VolatilityMeasure measure, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VolatilityRank>(new CommandDefinition("""
            SELECT rank AS Rank, out_of AS OutOf, volatility AS Volatility, as_of AS AsOf
            FROM volatility_rank WHERE coin_key = @coinKey AND currency_key = @currencyKey AND measure = @measure
            """, new { coinKey, currencyKey, measure = (short)measure }, cancellationToken: ct));
    }

    /// <summary>Statistics per (coin, currency) of the samples in [from, to), each coin's samples taken in time order.</summary>
    private static async Task<Dictionary<(int Coin, short Currency), SegmentStats>> SummarizeAsync(
        NpgsqlConnection connection, IReadOnlyList<Currency> currencies, DateTime from, DateTime to, CancellationToken ct)
    {
        var stats = new Dictionary<(int, short), SegmentStats>();
        if (from >= to)
            return stats;
        var seeded = currencies.Where(c => c.ColumnName is not null).ToArray();
        // Ordered by the primary key: each coin's samples arrive together and oldest first.
        await using (var command = new NpgsqlCommand($"""
            SELECT coin_key{string.Concat(seeded.Select(c => $", {c.Column}"))} FROM price_sample
            WHERE last_updated_at >= @from AND last_updated_at < @to
            ORDER BY coin_key, last_updated_at
            """, connection))
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var current = new SegmentStats[seeded.Length];
            var coin = -1;
            while (await reader.ReadAsync(ct))
            {
                var next = reader.GetInt32(0);
                if (next != coin)
                {
                    Flush();
                    coin = next;
                    current = new SegmentStats[seeded.Length];
                }
                for (var i = 0; i < seeded.Length; i++)
                {
                    if (!reader.IsDBNull(i + 1))
                        current[i].Add(reader.GetDouble(i + 1));
                }
            }
            Flush();

            void Flush()
            {
                for (var i = 0; coin >= 0 && i < current.Length; i++)
                {
                    if (current[i].N > 0)
                        stats[(coin, seeded[i].CurrencyKey)] = current[i];
                }
            }
        }

        // Currencies added after the seeded ones: one row per price, in the same order.
        await using (var command = new NpgsqlCommand("""
            SELECT coin_key, currency_key, price FROM price_sample_extra
            WHERE last_updated_at >= @from AND last_updated_at < @to
            ORDER BY coin_key, currency_key, last_updated_at
            """, connection))
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetInt32(0), reader.GetInt16(1));
                var extra = stats.GetValueOrDefault(key);
                extra.Add(reader.GetDouble(2));
                stats[key] = extra;
            }
        }
        return stats;
    }

    private static async Task<Dictionary<(int, short), SegmentStats>> RebuildBlockAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, DateTime fullFrom, DateTime fullTo, CancellationToken ct)
    {
        var block = new Dictionary<(int, short), SegmentStats>();
        await using (var command = new NpgsqlCommand(
            $"SELECT coin_key, currency_key, {StatsColumns} FROM price_hour_stats WHERE hour >= @fullFrom AND hour < @fullTo ORDER BY hour",
            connection, tx))
        {
            command.Parameters.AddWithValue("fullFrom", fullFrom);
            command.Parameters.AddWithValue("fullTo", fullTo);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetInt32(0), reader.GetInt16(1));
                var hour = ReadStats(reader, 2);
                block[key] = block.TryGetValue(key, out var before) ? SegmentStats.Merge(before, hour) : hour;
            }
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM price_window_block;
            DELETE FROM price_window_block_span;
            INSERT INTO price_window_block_span (from_hour, to_hour) VALUES (@fullFrom, @fullTo);
            """, new { fullFrom, fullTo }, tx, cancellationToken: ct));
        await WriteStatsAsync(connection, $"price_window_block (coin_key, currency_key, {StatsColumns})", null, block, ct);
        return block;
    }

    private static async Task<Dictionary<(int, short), SegmentStats>> ReadBlockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var block = new Dictionary<(int, short), SegmentStats>();
        await using var command = new NpgsqlCommand($"SELECT coin_key, currency_key, {StatsColumns} FROM price_window_block", connection, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            block[(reader.GetInt32(0), reader.GetInt16(1))] = ReadStats(reader, 2);
        return block;
    }

    private static SegmentStats ReadStats(NpgsqlDataReader reader, int at) => new()
    {
        N = reader.GetInt32(at),
        Mean = reader.GetDouble(at + 1),
        M2 = reader.GetDouble(at + 2),
        LpN = reader.GetInt32(at + 3),
        FirstLp = reader.IsDBNull(at + 4) ? 0 : reader.GetDouble(at + 4),
        LastLp = reader.IsDBNull(at + 5) ? 0 : reader.GetDouble(at + 5),
        RN = reader.GetInt32(at + 6),
        RMean = reader.GetDouble(at + 7),
        RM2 = reader.GetDouble(at + 8),
    };

    private static async Task WriteStatsAsync(NpgsqlConnection connection, string target, DateTime? hour,
        Dictionary<(int Coin, short Currency), SegmentStats> stats, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", ct);
        foreach (var ((coin, currency), s) in stats)
        {
            await writer.StartRowAsync(ct);
            if (hour is { } h)
                await writer.WriteAsync(h, NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(coin, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(currency, NpgsqlDbType.Smallint, ct);
            await writer.WriteAsync(s.N, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(s.Mean, NpgsqlDbType.Double, ct);
            await writer.WriteAsync(s.M2, NpgsqlDbType.Double, ct);
            await writer.WriteAsync(s.LpN, NpgsqlDbType.Integer, ct);
            if (s.LpN > 0)
            {
                await writer.WriteAsync(s.FirstLp, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(s.LastLp, NpgsqlDbType.Double, ct);
            }
            else
            {
                await writer.WriteNullAsync(ct);
                await writer.WriteNullAsync(ct);
            }
            await writer.WriteAsync(s.RN, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(s.RMean, NpgsqlDbType.Double, ct);
            await writer.WriteAsync(s.RM2, NpgsqlDbType.Double, ct);
        }
        await writer.CompleteAsync(ct);
    }

    /// <summary>Ranks each currency and measure, most volatile first; equal values share a rank (1, 2, 2, 4).</summary>
    private static async Task<int> WriteRanksAsync(NpgsqlConnection connection, Dictionary<(int Coin, short Currency), SegmentStats> window,
        DateTime asOf, CancellationToken ct)
    {
        var measured = window
            .SelectMany(w => new[]
            {
                (w.Key.Currency, Measure: VolatilityMeasure.LogReturnStddev, w.Key.Coin, Value: w.Value.LogReturnStddev),
                (w.Key.Currency, Measure: VolatilityMeasure.PriceStddev, w.Key.Coin, Value: w.Value.PriceStddev),
            })
            .Where(m => m.Value is not null)
            .GroupBy(m => (m.Currency, m.Measure));
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY volatility_rank (currency_key, measure, coin_key, volatility, rank, out_of, as_of) FROM STDIN (FORMAT BINARY)", ct);
        var written = 0;
        foreach (var group in measured)
        {
            var ordered = group.OrderByDescending(m => m.Value!.Value).ToArray();
            var rank = 0;
            for (var i = 0; i < ordered.Length; i++)
            {
                if (i == 0 || ordered[i].Value != ordered[i - 1].Value)
                    rank = i + 1;
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(group.Key.Currency, NpgsqlDbType.Smallint, ct);
                await writer.WriteAsync((short)group.Key.Measure, NpgsqlDbType.Smallint, ct);
                await writer.WriteAsync(ordered[i].Coin, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(ordered[i].Value!.Value, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(rank, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(ordered.Length, NpgsqlDbType.Integer, ct);
                await writer.WriteAsync(asOf, NpgsqlDbType.TimestampTz, ct);
                written++;
            }
        }
        await writer.CompleteAsync(ct);
        return written;
    }

    private static DateTime FloorHour(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);

    private static DateTime CeilingHour(DateTime t) => t.Ticks % TimeSpan.TicksPerHour == 0 ? t : FloorHour(t).AddHours(1);
}
