using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.History.Bars;

/// <summary>
/// Rolls each complete UTC day's series pieces up into hour and day bars, in batches of coins, one transaction
/// each: a batch replaces what it writes and moves the progress in price_history with it, so a run killed at any
/// point, or run twice, leaves the same bars. Holds the compactor's lock, so that the pieces of a batch do not change
/// under it; a late sample rebuilt into a rolled-up day rolls that coin's day again (<see cref="RollUpAsync"/>).
/// </summary>
public sealed class BarRollup(NpgsqlDataSource db, RateStore? rates = null)
{
    private readonly RateStore _rates = rates ?? new RateStore();

    // A day of 250 coins is ~80,000 pieces (190 MB): a transaction of a second or two, whatever the number of coins.
    private const int CoinsPerBatch = 250;

    private const string LockSql = $"SELECT pg_advisory_xact_lock({SeriesPieces.CompactorLock})";

    // The day to roll up, the next batch's first coin, whether the day's pieces are all written, the last coin.
    private const string ProgressSql = """
        SELECT h.bars_until, h.next_coin_key,
               c.pieces_until >= (h.bars_until + 1)::timestamp AT TIME ZONE 'UTC',
               (SELECT coalesce(max(coin_key), 0) FROM coin)
        FROM price_history h, price_series_compaction c
        """;

    private const string NextDaySql = "UPDATE price_history SET bars_until = bars_until + 1, next_coin_key = 0";

    private const string NextBatchSql = "UPDATE price_history SET next_coin_key = @next";

    private const string RolledUpUntilSql = "UPDATE price_history SET bars_until = @next, next_coin_key = 0";

    private const string PiecesSql = """
        SELECT coin_key, start, data FROM price_piece
        WHERE start >= @start AND start < @end AND coin_key >= @fromCoin AND coin_key < @toCoin
        """;

    private const string ExtrasSql = """
        SELECT coin_key, currency_key, last_updated_at, price FROM price_sample_extra
        WHERE last_updated_at >= @start AND last_updated_at < @end AND coin_key >= @fromCoin AND coin_key < @toCoin
        ORDER BY coin_key, currency_key, last_updated_at
        """;

    // Every currency's: the seeded currencies' rows of a day not converted yet are replaced by price_bars_hour's row.
    private const string DeleteHoursSql =
        "DELETE FROM price_bar_hour WHERE day = @day AND coin_key >= @fromCoin AND coin_key < @toCoin";

    private const string CopyHoursSql = """
        COPY price_bar_hour (coin_key, currency_key, day, h, open, high, low, close, mean, count)
        FROM STDIN (FORMAT BINARY)
        """;

    // Each (coin, currency) gets the day in its month's row: new rows as they come, an existing row's arrays rebuilt
    // in day order without what an earlier run wrote for this day.
    private const string PutDaysSql = """
        INSERT INTO price_bar_day AS b (coin_key, currency_key, month, d, open, high, low, close, mean, count)
        SELECT coin_key, currency_key, @month, ARRAY[@dayOfMonth],
               ARRAY[open], ARRAY[high], ARRAY[low], ARRAY[close], ARRAY[mean], ARRAY[count]
        FROM unnest(@coins, @currencies, @open, @high, @low, @close, @mean, @count)
             AS n(coin_key, currency_key, open, high, low, close, mean, count)
        ON CONFLICT (coin_key, currency_key, month) DO UPDATE SET (d, open, high, low, close, mean, count) = (
            SELECT array_agg(u.d ORDER BY u.d), array_agg(u.open ORDER BY u.d), array_agg(u.high ORDER BY u.d),
                   array_agg(u.low ORDER BY u.d), array_agg(u.close ORDER BY u.d), array_agg(u.mean ORDER BY u.d),
                   array_agg(u.count ORDER BY u.d)
            FROM (SELECT * FROM unnest(b.d, b.open, b.high, b.low, b.close, b.mean, b.count)
                                AS x(d, open, high, low, close, mean, count)
                  WHERE x.d <> excluded.d[1]
                  UNION ALL
                  SELECT excluded.d[1], excluded.open[1], excluded.high[1], excluded.low[1], excluded.close[1],
                         excluded.mean[1], excluded.count[1]) u)
        """;

    /// <returns>The days completed in this run, and whether every complete day is rolled up.</returns>
    public async Task<(int Days, bool CaughtUp)> RunAsync(TimeSpan budget, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var columns = new SeededColumns(await new CurrencyStore(db).ListAsync(ct));
        await using var connection = await db.OpenConnectionAsync(ct);
        var days = 0;
        // At least one step per run, however small the budget.
        do
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: tx, cancellationToken: ct));
            var state = await connection.QuerySingleAsync<(DateOnly Day, int NextCoin, bool Complete, int MaxCoin)>(
                new CommandDefinition(ProgressSql, transaction: tx, cancellationToken: ct));
            if (!state.Complete)
                return (days, true);
            if (state.NextCoin > state.MaxCoin)
            {
                await connection.ExecuteAsync(
                    new CommandDefinition(NextDaySql, transaction: tx, cancellationToken: ct));
                days++;
            }
            else
            {
                var next = state.NextCoin + CoinsPerBatch;
                await RollUpAsync(connection, tx, new(state.Day, state.NextCoin, next), columns, _rates, ct);
                await connection.ExecuteAsync(
                    new CommandDefinition(NextBatchSql, new { next }, tx, cancellationToken: ct));
            }
            await tx.CommitAsync(ct);
        }
        while (Stopwatch.GetElapsedTime(started) < budget);
        return (days, false);
    }

    /// <summary>
    /// Writes the bars of whole UTC days, in day order, from hours of samples given here instead of read from pieces (a
    /// history made for a demo or a measurement, older than any piece), through the summaries and rows the rollup
    /// writes: day bars for every day, hour bars for the days from <paramref name="hoursFrom"/> on; a month's day bars
    /// written at once. Then says the days before the next are rolled up (price_history.bars_until), so that they are
    /// read from the bars and the rollup goes on from there. The days must hold no bars yet.
    /// </summary>
    public async Task WriteDaysAsync(
        IEnumerable<(DateOnly Day, IReadOnlyList<(int CoinKey, DateTime Start, PieceData Hour)> Hours)> days,
        DateOnly hoursFrom, CancellationToken ct = default)
    {
        var columns = new SeededColumns(await new CurrencyStore(db).ListAsync(ct));
        // No rates are stored for such days: their hours are encoded (and read) without predictions.
        var none = new Dictionary<DateTime, QuarterRates>();
        await using var connection = await db.OpenConnectionAsync(ct);
        var (month, months, last) = (default(DateOnly), new Dictionary<int, CoinBars>(), default(DateOnly));
        foreach (var (day, hours) in days)
        {
            if (months.Count > 0 && day.Month != month.Month)
                await PutMonthAsync(connection, month, months, last, ct);
            (month, last) = (new DateOnly(day.Year, day.Month, 1), day);
            var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            var bars = new DayBars(start, columns.Count, columns.Base);
            foreach (var (coinKey, hourStart, hour) in hours)
                bars.Add(coinKey, hourStart, hour);
            var seeded = bars.Seeded().ToArray();
            if (day >= hoursFrom)
                await WriteHoursAsync(connection, day,
                    seeded.Select(s => (s.CoinKey, Encode(start, s.Hours, none, columns))).ToArray(), ct);
            foreach (var (coinKey, _, dayBars) in seeded)
            {
                if (!months.TryGetValue(coinKey, out var row))
                    months[coinKey] = row = new CoinBars(
                        month.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), columns.Count, BarRows.Day);
                row.Set(day.Day - 1, null, dayBars);
            }
        }
        if (months.Count > 0)
            await PutMonthAsync(connection, month, months, last, ct);
    }

    private static async Task WriteHoursAsync(NpgsqlConnection connection, DateOnly day,
        IReadOnlyList<(int CoinKey, byte[] Data)> rows, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: tx, cancellationToken: ct));
        await BarRows.InsertHoursAsync(connection, tx, day, rows, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>A month's day bars of every coin, and the days up to <paramref name="last"/> said rolled up.</summary>
    private static async Task PutMonthAsync(NpgsqlConnection connection, DateOnly month,
        Dictionary<int, CoinBars> months, DateOnly last, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: tx, cancellationToken: ct));
        await BarRows.PutMonthsAsync(connection, tx, month, months.Select(m => (m.Key, m.Value)).ToArray(), ct);
        await connection.ExecuteAsync(new CommandDefinition(
            RolledUpUntilSql, new { next = last.AddDays(1) }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        months.Clear();
    }

    /// <summary>
    /// Replaces the hour and day bars of <paramref name="coins"/>' day with what that day's pieces (and later
    /// currencies' samples) say: the pieces are read as they lie and summarized here (in SQL, a subquery per piece and
    /// currency took 20 s per 1,000 coins); each coin's hours encoded into one price_bars_hour row with the rates of
    /// their moments, its day bars put into its month's price_bars_day row in place of what an earlier run wrote for
    /// that day. The currencies added later keep a row per currency (price_bar_hour, price_bar_day).
    /// </summary>
    internal static async Task RollUpAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CoinDay coins,
        SeededColumns columns, RateStore rates, CancellationToken ct)
    {
        var batch = new Batch(connection, tx, coins.Day, coins.FromCoin, coins.ToCoin);
        var bars = new DayBars(batch.Start, columns.Count, columns.Base);
        var quarters = await ReadPiecesAsync(batch, bars, columns, rates, ct);
        await ReadExtrasAsync(batch, bars, ct);
        var seeded = bars.Seeded().ToArray();
        var hourRows = seeded.Select(s => (s.CoinKey, Encode(batch.Start, s.Hours, quarters, columns))).ToArray();
        await BarRows.ReplaceHoursAsync(connection, tx, coins, hourRows, ct);
        await PutDaysAsync(batch, seeded.Select(s => (s.CoinKey, s.Day)).ToArray(), columns.Count, ct);
        var extras = bars.Extras().ToArray();
        await ReplaceHourBarsAsync(batch, extras, ct);
        await PutDayBarsAsync(batch, extras, ct);
    }

    private static byte[] Encode(DateTime day, CoinBars hours, IReadOnlyDictionary<DateTime, QuarterRates> quarters,
        SeededColumns columns)
    {
        var data = hours.ToData();
        var seconds = data.Fields.Select(f => f.Seconds).ToArray();
        return HourBarsCodec.Encode(data, BarRates.Of(day, seconds, quarters, columns.Base, columns.Count));
    }

    /// <summary>Each coin's day bars into its month's row (old rows of the month merged in and deleted).</summary>
    private static async Task PutDaysAsync(
        Batch batch, IReadOnlyList<(int CoinKey, PriceBar?[] Day)> days, int columns, CancellationToken ct)
    {
        var month = new DateOnly(batch.Day.Year, batch.Day.Month, 1);
        var months = await BarRows.MonthsAsync(
            batch.Connection, batch.Tx, month, days.Select(d => d.CoinKey).ToArray(), columns, ct);
        var rows = new List<(int, CoinBars)>();
        foreach (var (coinKey, day) in days)
        {
            var row = months.TryGetValue(coinKey, out var found) ? found
                : new CoinBars(month.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), columns, BarRows.Day);
            row.Set(batch.Day.Day - 1, null, day);
            rows.Add((coinKey, row));
        }
        await BarRows.PutMonthsAsync(batch.Connection, batch.Tx, month, rows, ct);
    }

    /// <summary>
    /// The day's pieces, read whole before any is decoded (the rates are read on the same connection), each coin's
    /// hour handed over once.
    /// </summary>
    /// <returns>The day's quarters' rates, for the hour bars' encoding.</returns>
    private static async Task<IReadOnlyDictionary<DateTime, QuarterRates>> ReadPiecesAsync(
        Batch batch, DayBars bars, SeededColumns columns, RateStore rates, CancellationToken ct)
    {
        var pieces = new List<StoredPiece>();
        await using (var read = batch.Read(PiecesSql))
        {
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                pieces.Add(new StoredPiece(
                    reader.GetInt32(0), reader.GetFieldValue<DateTime>(1), reader.GetFieldValue<byte[]>(2)));
        }
        var quarters = await rates.ReadAsync(batch.Connection, batch.Tx,
            PieceRatesOf.Quarters(batch.Start, TimeSpan.FromDays(1)), ct);
        var hour = TimeSpan.FromHours(1).Ticks;
        foreach (var coinHour in pieces.GroupBy(p => (p.CoinKey, Hour: p.Start.Ticks - p.Start.Ticks % hour)))
        {
            var start = new DateTime(coinHour.Key.Hour, DateTimeKind.Utc);
            var span = new CoinSpan(columns.Count);
            foreach (var piece in coinHour)
                span.AddPiece(piece, start, quarters, columns);
            bars.Add(coinHour.Key.CoinKey, start, span.ToPiece());
        }
        return quarters;
    }

    /// <summary>The samples of currencies without pieces, handed over a (coin, currency) at a time.</summary>
    private static async Task ReadExtrasAsync(Batch batch, DayBars bars, CancellationToken ct)
    {
        await using var read = batch.Read(ExtrasSql);
        await using var extras = await read.ExecuteReaderAsync(ct);
        var (key, samples) = ((CoinKey: 0, CurrencyKey: (short)0), new List<(DateTime, double)>());
        while (await extras.ReadAsync(ct))
        {
            var next = (extras.GetInt32(0), extras.GetInt16(1));
            if (next != key && samples.Count > 0)
            {
                bars.Add(key.CoinKey, key.CurrencyKey, samples);
                samples = [];
            }
            key = next;
            samples.Add((extras.GetFieldValue<DateTime>(2), extras.GetDouble(3)));
        }
        if (samples.Count > 0)
            bars.Add(key.CoinKey, key.CurrencyKey, samples);
    }

    private static async Task ReplaceHourBarsAsync(
        Batch batch, IReadOnlyList<CoinDayBars> summarized, CancellationToken ct)
    {
        await batch.ExecuteAsync(
            DeleteHoursSql, new { day = batch.Day, fromCoin = batch.FromCoin, toCoin = batch.ToCoin }, ct);
        await using var copy = await batch.Connection.BeginBinaryImportAsync(CopyHoursSql, ct);
        foreach (var bars in summarized)
            await WriteHourRowAsync(copy, batch.Day, bars, ct);
        await copy.CompleteAsync(ct);
    }

    /// <summary>A row of price_bar_hour: a (coin, later currency)'s hour bars of the day, arrays by column.</summary>
    private static async Task WriteHourRowAsync(
        NpgsqlBinaryImporter copy, DateOnly day, CoinDayBars bars, CancellationToken ct)
    {
        const NpgsqlDbType doubles = NpgsqlDbType.Array | NpgsqlDbType.Double;
        var hours = bars.Hours.Select(h => h.Bar).ToArray();
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(bars.CoinKey, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(bars.CurrencyKey, NpgsqlDbType.Smallint, ct);
        await copy.WriteAsync(day, NpgsqlDbType.Date, ct);
        await copy.WriteAsync(bars.Hours.Select(h => h.Hour).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Smallint, ct);
        await copy.WriteAsync(hours.Select(b => b.Open).ToArray(), doubles, ct);
        await copy.WriteAsync(hours.Select(b => b.High).ToArray(), doubles, ct);
        await copy.WriteAsync(hours.Select(b => b.Low).ToArray(), doubles, ct);
        await copy.WriteAsync(hours.Select(b => b.Close).ToArray(), doubles, ct);
        await copy.WriteAsync(hours.Select(b => b.Mean).ToArray(), doubles, ct);
        await copy.WriteAsync(hours.Select(b => b.Count).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
    }

    /// <summary>
    /// The later currencies' day bars, one array per column of price_bar_day, as <see cref="PutDaysSql"/> reads them.
    /// </summary>
    private static async Task PutDayBarsAsync(Batch batch, IReadOnlyList<CoinDayBars> summarized, CancellationToken ct)
    {
        if (summarized.Count == 0)
            return;
        var days = summarized.Select(s => s.Day).ToArray();
        var columns = new
        {
            month = new DateOnly(batch.Day.Year, batch.Day.Month, 1),
            dayOfMonth = (short)batch.Day.Day,
            coins = summarized.Select(s => s.CoinKey).ToArray(),
            currencies = summarized.Select(s => s.CurrencyKey).ToArray(),
            open = days.Select(d => d.Open).ToArray(),
            high = days.Select(d => d.High).ToArray(),
            low = days.Select(d => d.Low).ToArray(),
            close = days.Select(d => d.Close).ToArray(),
            mean = days.Select(d => d.Mean).ToArray(),
            count = days.Select(d => d.Count).ToArray(),
        };
        await batch.ExecuteAsync(PutDaysSql, columns, ct);
    }

    /// <summary>A day's coin keys [<see cref="FromCoin"/>, <see cref="ToCoin"/>) in the rollup's transaction.</summary>
    private sealed record Batch(
        NpgsqlConnection Connection, NpgsqlTransaction Tx, DateOnly Day, int FromCoin, int ToCoin)
    {
        public DateTime Start { get; } = Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

        /// <summary>A read of the batch's rows between @start and @end, @fromCoin and @toCoin.</summary>
        public NpgsqlCommand Read(string sql)
        {
            // 250 coins' day of pieces is ~190 MB: seconds, but not on a busy machine.
            var command = new NpgsqlCommand(sql, Connection, Tx) { CommandTimeout = 300 };
            command.Parameters.AddWithValue("start", Start);
            command.Parameters.AddWithValue("end", Start.AddDays(1));
            command.Parameters.AddWithValue("fromCoin", FromCoin);
            command.Parameters.AddWithValue("toCoin", ToCoin);
            return command;
        }

        public Task<int> ExecuteAsync(string sql, object parameters, CancellationToken ct) =>
            Connection.ExecuteAsync(new CommandDefinition(sql, parameters, Tx, cancellationToken: ct));
    }
}

/// <summary>The coin keys [<see cref="FromCoin"/>, <see cref="ToCoin"/>) of one UTC day.</summary>
internal readonly record struct CoinDay(DateOnly Day, int FromCoin, int ToCoin);
