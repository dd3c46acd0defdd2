using System.Diagnostics;
using Btc.Data;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Volatility;
using Btc.Migrations;
using CoinGecko.Simulator;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// <c>fill --coins N --hours H --connection "…"</c>: a database as H hours of the worker's operation would leave it —
/// the simulator's first N coins tracked, their minute samples up to the current minute written minute by minute and
/// compacted, the complete days rolled up into bars, the ranks computed — for a demo, or to measure against. Prices
/// are shaped like CoinGecko's unless <c>--currencies independent</c> asks for a walk per currency (the worst case for
/// storage). <c>--days D</c> adds D whole days of history before the minute samples, as bars
/// (<see cref="LongHistory"/>), for the 30-day and year views. Bad input gets one sentence and exit code 2.
/// </summary>
public static class FillCommand
{
    private const string Usage = "Usage: fill --coins N (1 to 100,000) --hours H (1 to 168) "
        + "--connection \"<PostgreSQL connection string>\" [--currencies shaped|independent] [--days D (0 to 400)]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (Parse(args) is not var (coins, hours, days, connectionString, model))
            return 2;
        try
        {
            var started = Stopwatch.GetTimestamp();
            // Reached first: the migrator would report a refused connection as a stack trace.
            await using (var probe = new NpgsqlConnection(connectionString))
                await probe.OpenAsync();
            Migrator.Up(connectionString);
            await using var db = BtcConnectionString.CreateDataSource(connectionString);
            await using (var connection = await db.OpenConnectionAsync())
            {
                const string Held = "SELECT EXISTS (SELECT 1 FROM price_sample) OR EXISTS (SELECT 1 FROM price_piece)";
                if (await connection.ExecuteScalarAsync<bool>(Held))
                {
                    Console.Error.WriteLine(
                        $"The database {connection.Database} already holds price samples: fill writes into an empty "
                            + "BTC database only (create a new one).");
                    return 2;
                }
            }

            var end = await FillAsync(db, coins, hours, days, model);
            var currencies = await new CurrencyStore(db).ListAsync();
            var ranked = await new VolatilityStore(db).RecomputeAsync(currencies, end);
            Console.WriteLine(
                $"Ranked the coins in {currencies.Count} currencies as of {end:HH:mm} UTC ({ranked.RanksStored:N0} "
                    + "rank rows).");
            Console.WriteLine($"Done in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s.");
            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine(
                $"Cannot fill the database ({e.GetBaseException().Message}); is PostgreSQL running and the "
                    + "connection string right?");
            return 1;
        }
    }

    /// <summary>The samples, the days before them, the pieces and the bars; returns the minute the samples end at.
    /// </summary>
    private static async Task<DateTime> FillAsync(
        NpgsqlDataSource db, int coins, int hours, int days, CurrencyModel model)
    {
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var listed = CoinCatalog.Build(new SimulatorOptions { Coins = coins })
            .Select(c => new CoinListEntry(c.Id, c.Symbol, c.Name)).ToArray();
        var (tracked, _, rows) = await Fill.RunAsync(db, listed, hours, end, model);
        var start = end.AddHours(-hours);
        Console.WriteLine(
            $"Wrote {rows:N0} price samples: {coins:N0} coins × {hours:N0} h of minutes in every seeded "
                + $"currency ({model.ToString().ToLowerInvariant()}), {start:yyyy-MM-dd HH:mm} to "
                + $"{end:yyyy-MM-dd HH:mm} UTC.");
        if (days > 0)
        {
            var timer = Stopwatch.GetTimestamp();
            await LongHistory.WriteAsync(db, tracked, DateOnly.FromDateTime(start), days);
            var elapsed = Stopwatch.GetElapsedTime(timer);
            Console.WriteLine(
                $"Wrote {days:N0} days before them as bars: day bars for every day, hour bars for the last "
                    + $"{Math.Min(days, LongHistory.HourBarDays)}, in {elapsed.TotalSeconds:0.0} s.");
        }

        var (compaction, wal, pieces, _) = await Fill.CompactAsync(db, start);
        Console.WriteLine(
            $"Compacted them into series pieces, {pieces:N0} hours and quarters, in "
                + $"{compaction.TotalSeconds:0.0} s ({wal / 1e6:N0} MB of WAL).");
        var (rollup, rolledHours) = await Fill.RollUpAsync(db);
        Console.WriteLine(
            $"Rolled the complete UTC days up into hour and day bars ({rolledHours:0} hours of samples) in "
                + $"{rollup.TotalSeconds:0.0} s.");
        return end;
    }

    private static (int Coins, int Hours, int Days, string ConnectionString, CurrencyModel Model)? Parse(
        string[] args)
    {
        string? Value(string name) =>
            Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

        var known = new[] { "--coins", "--hours", "--connection", "--currencies", "--days" };
        if (args.Where((a, i) => i % 2 == 0).FirstOrDefault(a => !known.Contains(a)) is { } unknown)
            return Fail($"'{unknown}' is not an option of fill. {Usage}");
        if (!int.TryParse(Value("--coins"), out var coins) || coins is < 1 or > 100_000)
            return Fail($"--coins must be a whole number from 1 to 100,000. {Usage}");
        // Minute samples are kept 7 days by default: a longer fill would hold what the worker's retention drops.
        if (!int.TryParse(Value("--hours"), out var hours) || hours is < 1 or > 168)
            return Fail(
                $"--hours must be a whole number from 1 to 168 (the minute samples' 7 days of retention). {Usage}");
        var days = 0;
        if (Value("--days") is { } daysText && (!int.TryParse(daysText, out days) || days is < 0 or > 400))
            return Fail($"--days must be a whole number from 0 to 400. {Usage}");
        CurrencyModel? model = Value("--currencies") switch
        {
            null or "shaped" => CurrencyModel.Shaped,
            "independent" => CurrencyModel.Independent,
            _ => null,
        };
        if (model is null)
            return Fail($"--currencies must be shaped or independent. {Usage}");
        if (Value("--connection") is not { Length: > 0 } connectionString)
            return Fail($"--connection is required. {Usage}");
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            return Fail($"--connection is not a PostgreSQL connection string ({e.Message}).");
        }
        return (coins, hours, days, connectionString, model.Value);
    }

    private static (int, int, int, string, CurrencyModel)? Fail(string sentence)
    {
        Console.Error.WriteLine(sentence);
        return null;
    }
}
