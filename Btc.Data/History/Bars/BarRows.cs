using Btc.Data.History.Series.Codec;
using Dapper;
using Npgsql;

namespace Btc.Data.History.Bars;

/// <summary>
/// The compressed bar rows (price_bars_hour: a coin's day of hour bars, price_bars_day: a coin's month of day bars,
/// every seeded currency in one <see cref="HourBarsCodec"/> row), and the seeded currencies' rows of the old layout
/// (price_bar_hour, price_bar_day: a row per currency) they take the place of. Day bars are encoded without rates: kept
/// for good, they depend on nothing else kept.
/// </summary>
internal static class BarRows
{
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private const string DeleteHoursSql =
        "DELETE FROM price_bars_hour WHERE day = @day AND coin_key >= @fromCoin AND coin_key < @toCoin";

    // A row already there is newer than the old rows being converted: the rollup wrote it.
    private const string InsertHoursSql = """
        INSERT INTO price_bars_hour (coin_key, day, data)
        SELECT coin_key, @day, data FROM unnest(@coins, @data) AS n(coin_key, data)
        ON CONFLICT (coin_key, day) DO NOTHING
        """;

    private const string OldHoursSql = """
        SELECT coin_key, currency_key, h, open, high, low, close, mean, count FROM price_bar_hour
        WHERE day = @day AND coin_key = ANY(@coins) AND currency_key <= @seeded
        """;

    private const string DeleteOldHoursSql =
        "DELETE FROM price_bar_hour WHERE day = @day AND coin_key = ANY(@coins) AND currency_key <= @seeded";

    private const string MonthsSql =
        "SELECT coin_key, data FROM price_bars_day WHERE month = @month AND coin_key = ANY(@coins)";

    private const string OldDaysSql = """
        SELECT coin_key, currency_key, d AS h, open, high, low, close, mean, count FROM price_bar_day
        WHERE month = @month AND coin_key = ANY(@coins) AND currency_key <= @seeded
        """;

    private const string PutMonthsSql = """
        INSERT INTO price_bars_day (coin_key, month, data)
        SELECT coin_key, @month, data FROM unnest(@coins, @data) AS n(coin_key, data)
        ON CONFLICT (coin_key, month) DO UPDATE SET data = excluded.data;
        DELETE FROM price_bar_day WHERE month = @month AND coin_key = ANY(@coins) AND currency_key <= @seeded;
        """;

    /// <summary>Replaces the day's hour rows of coins in [fromCoin, toCoin) with <paramref name="rows"/>.</summary>
    public static async Task ReplaceHoursAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CoinDay coins,
        IReadOnlyList<(int CoinKey, byte[] Data)> rows, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(DeleteHoursSql,
            new { day = coins.Day, fromCoin = coins.FromCoin, toCoin = coins.ToCoin }, tx, cancellationToken: ct));
        await InsertHoursAsync(connection, tx, coins.Day, rows, ct);
    }

    public static Task InsertHoursAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateOnly day,
        IReadOnlyList<(int CoinKey, byte[] Data)> rows, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(InsertHoursSql,
            new { day, coins = rows.Select(r => r.CoinKey).ToArray(), data = rows.Select(r => r.Data).ToArray() },
            tx, cancellationToken: ct));

    /// <summary>The seeded currencies' old hour rows of a day, per coin, and then deletes them.</summary>
    public static async Task<Dictionary<int, CoinBars>> TakeOldHoursAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, DateOnly day, int[] coins, int columns, CancellationToken ct)
    {
        var parameters = new { day, coins, seeded = (short)columns };
        var rows = await ReadOldAsync(connection, new CommandDefinition(OldHoursSql, parameters, tx,
            cancellationToken: ct));
        var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var bars = new Dictionary<int, CoinBars>();
        foreach (var row in rows)
            row.AddTo(bars.TryGetValue(row.coin_key, out var coin) ? coin
                : bars[row.coin_key] = new CoinBars(start, columns, Hour), days: false);
        await connection.ExecuteAsync(
            new CommandDefinition(DeleteOldHoursSql, parameters, tx, cancellationToken: ct));
        return bars;
    }

    /// <summary>
    /// Each coin's month of day bars: its compressed row, with the days only old rows hold added.
    /// </summary>
    public static async Task<Dictionary<int, CoinBars>> MonthsAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, DateOnly month, int[] coins, int columns, CancellationToken ct)
    {
        var start = month.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var bars = new Dictionary<int, CoinBars>();
        foreach (var (coinKey, data) in await connection.QueryAsync<(int, byte[])>(
                     new CommandDefinition(MonthsSql, new { month, coins }, tx, cancellationToken: ct)))
            bars[coinKey] = CoinBars.FromData(start, columns, Day, HourBarsCodec.Decode(data));
        var compressed = bars.ToDictionary(b => b.Key, b => b.Value.Slots.Keys.ToHashSet());
        var old = await ReadOldAsync(connection, new CommandDefinition(
            OldDaysSql, new { month, coins, seeded = (short)columns }, tx, cancellationToken: ct));
        foreach (var row in old)
        {
            var coin = bars.TryGetValue(row.coin_key, out var found) ? found
                : bars[row.coin_key] = new CoinBars(start, columns, Day);
            row.AddTo(coin, days: true, skip: compressed.GetValueOrDefault(row.coin_key));
        }
        return bars;
    }

    /// <summary>Writes each coin's month row and deletes its seeded currencies' old rows of the month.</summary>
    public static Task PutMonthsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateOnly month,
        IReadOnlyList<(int CoinKey, CoinBars Bars)> months, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(PutMonthsSql, new
        {
            month, seeded = (short)months.Select(m => m.Bars.Columns).DefaultIfEmpty(0).Max(),
            coins = months.Select(m => m.CoinKey).ToArray(),
            data = months.Select(m => HourBarsCodec.Encode(m.Bars.ToData())).ToArray(),
        }, tx, cancellationToken: ct));

    private static async Task<List<OldRow>> ReadOldAsync(NpgsqlConnection connection, CommandDefinition command)
    {
        var rows = new List<OldRow>();
        await using var reader = await connection.ExecuteReaderAsync(command);
        while (await reader.ReadAsync(command.CancellationToken))
            rows.Add(new OldRow(reader.GetInt32(0), reader.GetInt16(1), reader.GetFieldValue<short[]>(2),
                reader.GetFieldValue<double[]>(3), reader.GetFieldValue<double[]>(4), reader.GetFieldValue<double[]>(5),
                reader.GetFieldValue<double[]>(6), reader.GetFieldValue<double[]>(7), reader.GetFieldValue<int[]>(8)));
        return rows;
    }

    /// <summary>A row of price_bar_hour (<see cref="h"/>: hours) or price_bar_day (<see cref="h"/>: days, 1-31).
    /// </summary>
    private sealed record OldRow(int coin_key, short currency_key, short[] h, double[] open, double[] high,
        double[] low, double[] close, double[] mean, int[] count)
    {
        /// <summary>Adds its bars but those of slots in <paramref name="skip"/>.</summary>
        public void AddTo(CoinBars bars, bool days, HashSet<int>? skip = null)
        {
            for (var i = 0; i < h.Length; i++)
            {
                var index = days ? h[i] - 1 : h[i];
                if (skip?.Contains(index) == true)
                    continue;
                bars.SetBar(index, currency_key - 1, new PriceBar(CoinBars.UnixSeconds(bars.SlotStart(index)),
                    open[i], high[i], low[i], close[i], mean[i], count[i]));
            }
        }
    }
}
