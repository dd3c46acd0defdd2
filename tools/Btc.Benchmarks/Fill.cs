using System.Diagnostics;
using Btc.Data.History.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using CoinGecko.Simulator;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Btc.Data.History;

namespace Btc.Benchmarks;

/// <summary>
/// Fills price_sample with N coins × H hours of minute samples in every seeded currency, by binary COPY: shaped like
/// CoinGecko's prices by default (see <see cref="CurrencyRates"/>), or walking independently, the worst case.
/// </summary>
public static class Fill
{
    public static Task<(IReadOnlyList<TrackedCoin> Coins, int CycleId, long Rows)> RunAsync(
        NpgsqlDataSource db, int coins, int hours, DateTime end, CurrencyModel model = CurrencyModel.Shaped) =>
        RunAsync(db, Enumerable.Range(1, coins).Select(i => $"bench-{i:D5}").ToArray(), hours, end, model);

    public static Task<(IReadOnlyList<TrackedCoin> Coins, int CycleId, long Rows)> RunAsync(
        NpgsqlDataSource db, IReadOnlyList<string> ids, int hours, DateTime end,
        CurrencyModel model = CurrencyModel.Shaped) =>
        RunAsync(db, ids.Select(id => new CoinListEntry(id, "b", id)).ToArray(), hours, end, model);

    /// <summary>The coins as listed (their symbols and names kept, for searching them).</summary>
    public static async Task<(IReadOnlyList<TrackedCoin> Coins, int CycleId, long Rows)> RunAsync(
        NpgsqlDataSource db, IReadOnlyList<CoinListEntry> coins, int hours, DateTime end,
        CurrencyModel model = CurrencyModel.Shaped)
    {
        var store = new CoinStore(db);
        await store.UpsertListAsync(coins);
        var tracked = await store.SetTrackedAsync(coins.Select(c => c.Id).ToArray());
        var cycleId = (await new PollCycleStore(db).CreateAsync("fill", end, []));
        var start = end.AddHours(-hours);
        await new PricePartitions(db).EnsureAsync(DateOnly.FromDateTime(start), DateOnly.FromDateTime(end.AddDays(1)));
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null).ToArray();

        var rows = await CopyAsync(
            db,
            "price_sample",
            currencies,
            Generate(tracked, currencies, cycleId, start, hours * 60, model));
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("ANALYZE price_sample");
        return (tracked, cycleId, rows);
    }

    /// <summary>
    /// Packs what the fill wrote into pieces, compaction starting where the fill does. By quarter (the benchmark), as
    /// the worker's minutely job packs it: each quarter of an hour once it is complete, then the hour in place of its
    /// quarters; timed from the fill's first hour (the empty hours of its first day before it are packed untimed).
    /// Otherwise (the fill command) each complete hour at once, as a worker catching up does.
    /// </summary>
    /// <returns>The time of the whole, and of its hour packs alone (by quarter; an hour pack reads back the hour's
    /// quarter pieces with its last quarter's raw samples).</returns>
    public static async Task<(TimeSpan Elapsed, long WalBytes, int Pieces, TimeSpan HourPacks)> CompactAsync(
        NpgsqlDataSource db,
        DateTime start,
        bool byQuarter = false)
    {
        var currencies = await new CurrencyStore(db).ListAsync();
        await using var connection = await db.OpenConnectionAsync();
        var from = start.Date;
        await connection.ExecuteAsync(
            "UPDATE price_series_compaction "
                + "SET pieces_from = least(pieces_from, @from), pieces_until = least(pieces_until, @from)",
            new { from });
        var compactor = new SeriesCompactor(db);
        var firstHour = new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        if (byQuarter)
            await compactor.RunUntilAsync(currencies, firstHour);
        var walBefore = await connection.ExecuteScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
        var started = Stopwatch.GetTimestamp();
        var (steps, hourPacks) = (0, TimeSpan.Zero);
        // The quarters the clock lets the compactor pack (SeriesPieces.CompactableUntil); the last run packs the rest.
        var lastQuarter = DateTime.UtcNow.AddMinutes(-2);
        lastQuarter = new DateTime(lastQuarter.Ticks - lastQuarter.Ticks % Quarter.Ticks, DateTimeKind.Utc);
        for (var until = firstHour + Quarter; byQuarter && until <= lastQuarter; until += Quarter)
        {
            var step = Stopwatch.GetTimestamp();
            steps += (await compactor.RunUntilAsync(currencies, until)).Pieces;
            hourPacks += until.Minute == 0 ? Stopwatch.GetElapsedTime(step) : TimeSpan.Zero;
        }
        var result = await compactor.RunAsync(currencies, TimeSpan.MaxValue)
            ?? throw new InvalidOperationException("Compaction could not start: a writer held its lock.");
        var elapsed = Stopwatch.GetElapsedTime(started);
        var wal = await connection.ExecuteScalarAsync<long>(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), @walBefore::pg_lsn)::bigint",
            new { walBefore });
        await connection.ExecuteAsync("ANALYZE price_piece");
        return (elapsed, wal, steps + result.Pieces, hourPacks);
    }

    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Rolls the complete days up into bars as the worker's rollup job
    /// would; returns its time and the hours of samples rolled up.
    /// </summary>
    public static async Task<(TimeSpan Elapsed, double Hours)> RollUpAsync(NpgsqlDataSource db)
    {
        var started = Stopwatch.GetTimestamp();
        await new BarRollup(db).RunAsync(TimeSpan.MaxValue);
        var elapsed = Stopwatch.GetElapsedTime(started);
        await using var connection = await db.OpenConnectionAsync();
        var hours = await connection.ExecuteScalarAsync<double>("""
            SELECT coalesce(
                extract(epoch FROM (SELECT bars_until::timestamp AT TIME ZONE 'UTC' FROM price_history)
                                   - min(start)) / 3600,
                0)
            FROM price_piece
            """);
        return (elapsed, Math.Max(0, hours));
    }

    /// <summary>
    /// Minute samples from the simulator's random walks, a few seconds into each minute like CoinGecko's (each coin
    /// its own second), minute by minute as the worker stores them: the heap then holds each span of time together,
    /// as in production. Shaped, a coin's USD walk times the rates of the moment; independent, a walk per currency.
    /// </summary>
    public static IEnumerable<(int CoinKey, int CycleId, DateTime At, double[] Prices)> Generate(
        IReadOnlyList<TrackedCoin> coins, IReadOnlyList<Currency> currencies, int cycleId, DateTime start, int minutes,
        CurrencyModel model = CurrencyModel.Shaped) =>
        model == CurrencyModel.Shaped
            ? GenerateShaped(coins, currencies, cycleId, start, minutes)
            : GenerateIndependent(coins, currencies, cycleId, start, minutes);

    private static IEnumerable<(int CoinKey, int CycleId, DateTime At, double[] Prices)> GenerateIndependent(
        IReadOnlyList<TrackedCoin> coins, IReadOnlyList<Currency> currencies, int cycleId, DateTime start, int minutes)
    {
        var walk = new PriceWalk(42);
        var logPrices = coins.Select(coin => currencies.Select(c => walk.StartLogPrice(coin.CoinKey, c.Code)).ToArray())
            .ToArray();
        for (var m = 0; m < minutes; m++)
        {
            for (var k = 0; k < coins.Count; k++)
            {
                var coin = coins[k];
                var prices = new double[currencies.Count];
                for (var i = 0; i < prices.Length; i++)
                    prices[i] = Math.Exp(logPrices[k][i] += walk.Step(coin.CoinKey, i, m));
                yield return (coin.CoinKey, cycleId, UpdatedAt(coin, start, m), prices);
            }
        }
    }

    /// <summary>
    /// The shaped market without the simulator: the walk of a coin's USD column, to 15 digits, times the rates in
    /// force at its second of the minute (before <see cref="CurrencyRates.ChangeSecond"/>, the previous minute's).
    /// Every crypto currency's rate walks here: the fill has no coin behind it.
    /// </summary>
    private static IEnumerable<(int CoinKey, int CycleId, DateTime At, double[] Prices)> GenerateShaped(
        IReadOnlyList<TrackedCoin> coins, IReadOnlyList<Currency> currencies, int cycleId, DateTime start, int minutes)
    {
        var walk = new PriceWalk(42);
        var rates = new CurrencyRates(42);
        var codes = currencies.Select(c => c.Code).ToArray();
        // The USD walk steps as the independent fill's USD column does.
        var usdSlot = Math.Max(0, Array.IndexOf(codes, "usd"));
        var logUsd = coins.Select(coin => walk.StartLogPrice(coin.CoinKey, "usd")).ToArray();
        var startMinute = new DateTimeOffset(start, TimeSpan.Zero).ToUnixTimeSeconds() / 60;
        var current = codes.Select(c => rates.Rate(c, startMinute - 1)).ToArray();
        for (var m = 0; m < minutes; m++)
        {
            var previous = current;
            current = codes.Select(c => rates.Rate(c, startMinute + m)).ToArray();
            for (var k = 0; k < coins.Count; k++)
            {
                var coin = coins[k];
                var usd = Decimal15.Round(Math.Exp(logUsd[k] += walk.Step(coin.CoinKey, usdSlot, m)));
                var at = UpdatedAt(coin, start, m);
                var inForce = at.Second < CurrencyRates.ChangeSecond ? previous : current;
                var prices = new double[codes.Length];
                for (var i = 0; i < prices.Length; i++)
                    prices[i] = CurrencyRates.Price(codes[i], usd, inForce[i]);
                yield return (coin.CoinKey, cycleId, at, prices);
            }
        }
    }

    private static DateTime UpdatedAt(TrackedCoin coin, DateTime start, int minute) =>
        start.AddMinutes(minute) + TimeSpan.FromSeconds(coin.CoinKey % 50);

    public static async Task<long> CopyAsync(NpgsqlDataSource db, string table, IReadOnlyList<Currency> currencies,
        IEnumerable<(int CoinKey, int CycleId, DateTime At, double[] Prices)> rows)
    {
        var columns = string.Join(", ", currencies.Select(c => c.Column));
        await using var connection = await db.OpenConnectionAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {table} (coin_key, cycle_id, last_updated_at, {columns}) FROM STDIN (FORMAT BINARY)");
        long count = 0;
        foreach (var (coinKey, cycleId, at, prices) in rows)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(coinKey, NpgsqlDbType.Integer);
            await writer.WriteAsync(cycleId, NpgsqlDbType.Integer);
            await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
            foreach (var price in prices)
                await writer.WriteAsync(price, NpgsqlDbType.Double);
            count++;
        }
        await writer.CompleteAsync();
        return count;
    }
}
