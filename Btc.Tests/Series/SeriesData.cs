using Btc.Data.History.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Tests.Infrastructure;
using Dapper;
using Btc.Data.History;

namespace Btc.Tests.Series;

/// <summary>
/// Minute samples of a few coins up to now, written raw as pages write them, and the raw read to compare with.
/// </summary>
public sealed class SeriesData(DatabaseFixture db)
{
    public IReadOnlyList<TrackedCoin> Coins { get; private set; } = [];
    public IReadOnlyList<Currency> Currencies { get; private set; } = [];
    public int CycleId { get; private set; }

    /// <summary>
    /// <paramref name="minutes"/> minutes of samples ending in the current minute (or the minute starting at
    /// <paramref name="lastMinute"/>), a few seconds into each minute; usd is missing every 7th minute and sats
    /// every 5th minute of odd coins, as CoinGecko leaves gaps.
    /// </summary>
    public async Task WriteAsync(string prefix, int coins, int minutes, DateTime? lastMinute = null)
    {
        var now = DateTime.UtcNow;
        var last = lastMinute ?? new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var ids = Enumerable.Range(0, coins).Select(i => $"{prefix}-{i}").ToArray();
        var store = new CoinStore(db.DataSource);
        await store.UpsertListAsync(ids.Select(id => new CoinListEntry(id, id, id)).ToArray());
        Coins = await store.SetTrackedAsync(ids);
        Currencies = await new CurrencyStore(db.DataSource).ListAsync();
        CycleId = await new PollCycleStore(db.DataSource)
            .CreateAsync($"{prefix}-samples", last.AddMinutes(-minutes), [Coins]);
        await new PricePartitions(db.DataSource).EnsureAsync(
            DateOnly.FromDateTime(last.AddMinutes(1 - minutes)), DateOnly.FromDateTime(now).AddDays(1));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, btc, usd, eur, sats)
            SELECT c, @cycleId, @last - m * interval '1 minute' + (c % 50) * interval '1 second',
                   1 + c + m / 1000.0,
                   CASE WHEN m % 7 <> 0 THEN 100 * c + sin(m) END,
                   90 * c + cos(m),
                   CASE WHEN c % 2 = 0 OR m % 5 <> 0 THEN 1e8 * c + m END
            FROM unnest(@keys) AS c, generate_series(0, @minutes - 1) AS m
            """, new { cycleId = CycleId, keys = Coins.Select(c => c.CoinKey).ToArray(), minutes, last });
        await KeepStoredAsync();
    }

    /// <summary>
    /// Copies every raw sample stored so far into stored_sample (once each): what the reads are compared with after
    /// packing has deleted the raw rows.
    /// </summary>
    public async Task KeepStoredAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS stored_sample (LIKE price_sample, PRIMARY KEY (coin_key, last_updated_at));
            INSERT INTO stored_sample SELECT * FROM price_sample ON CONFLICT DO NOTHING;
            """);
    }

    public Currency Currency(string code) => Currencies.Single(c => c.Code == code);

    /// <summary>The series as the samples stored say it (<see cref="KeepStoredAsync"/>).</summary>
    public async Task<IReadOnlyList<PricePoint>> RawAsync(int coinKey, Currency currency, DateTime from, DateTime to)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<PricePoint>($"""
            SELECT extract(epoch FROM last_updated_at)::bigint AS UnixSeconds, {currency.Column} AS Price
            FROM stored_sample
            WHERE coin_key = @coinKey AND last_updated_at >= @from AND last_updated_at < @to
              AND {currency.Column} IS NOT NULL
            ORDER BY last_updated_at
            """, new { coinKey, from, to })).AsList();
    }

    /// <summary>Hour or day bars as the samples stored say them, over whole periods in [from, to).</summary>
    public async Task<IReadOnlyList<PriceBar>> RawBarsAsync(
        int coinKey,
        Currency currency,
        BarInterval interval,
        DateTime from,
        DateTime to)
    {
        var c = currency.Column;
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<PriceBar>($"""
            SELECT extract(epoch FROM date_trunc(@unit, last_updated_at, 'UTC'))::bigint AS UnixSeconds,
                   (array_agg({c} ORDER BY last_updated_at))[1] AS Open, max({c}) AS High, min({c}) AS Low,
                   (array_agg({c} ORDER BY last_updated_at DESC))[1] AS Close, avg({c}) AS Mean, count(*)::int AS Count
            FROM stored_sample
            WHERE coin_key = @coinKey AND {c} IS NOT NULL AND last_updated_at >= @from AND last_updated_at < @to
            GROUP BY 1 ORDER BY 1
            """, new { unit = interval == BarInterval.Hour ? "hour" : "day", coinKey, from, to })).AsList();
    }

    /// <summary>
    /// Compaction and the rollup start at <paramref name="day"/>, as if the database had been created the day before.
    /// </summary>
    public async Task StartHistoryAtAsync(DateTime day)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            UPDATE price_series_compaction SET pieces_from = @day, pieces_until = @day;
            UPDATE price_history SET bars_until = (@day AT TIME ZONE 'UTC')::date, next_coin_key = 0;
            """, new { day });
    }

    /// <summary>Every piece, as one hash: equal hashes, equal rows.</summary>
    public async Task<string> PiecesHashAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(p::text, ',' ORDER BY coin_key, start)), '') "
                + "FROM price_piece p") ?? "";
    }

    /// <summary>Packing from the start again: the stored samples raw again, no pieces and no rates.</summary>
    public async Task UnpackAsync()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            TRUNCATE price_piece, price_rate, price_series_stale;
            INSERT INTO price_sample SELECT * FROM stored_sample ON CONFLICT DO NOTHING;
            UPDATE price_series_compaction SET pieces_until = pieces_from;
            """);
    }
}
