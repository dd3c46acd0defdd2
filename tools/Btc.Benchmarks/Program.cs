using System.Diagnostics;
using Btc.Benchmarks;
using Btc.Data;
using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.LocalPostgres;
using Btc.Migrations;
using CoinGecko.Simulator;
using Npgsql;

// dotnet run -c Release --project tools/Btc.Benchmarks -- --coins 1000 --hours 24 [--currencies independent]
// dotnet run -c Release --project tools/Btc.Benchmarks -- fill --coins N --hours H --connection "<connection string>"
if (args is ["fill", .. var fillArgs])
    return await FillCommand.RunAsync(fillArgs);
// dotnet run -c Release --project tools/Btc.Benchmarks -- page [--coins 1000] [--minutes 10] [--screenshot PNG]
if (args is ["page", .. var pageArgs])
{
    var page = new Report();
    await PageBenchmark.RunAsync(pageArgs, page);
    page.Print(Console.Out);
    return 0;
}
// dotnet run -c Release --project tools/Btc.Benchmarks -- live --subscribers 10000
if (args is ["live", "--subscribers", var count])
{
    var live = new Report();
    await LiveBenchmark.RunAsync(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), live);
    live.Print(Console.Out);
    return 0;
}
if (args is ["--live-clients", var livePort, var file, var perCoin, var market])
    return await LiveClients.RunAsync(int.Parse(livePort), await File.ReadAllLinesAsync(file + ".coins"),
        int.Parse(perCoin), int.Parse(market), file);
if (args is ["--baseline-server", var port])
{
    BaselineServer.Run(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var coins = Option("--coins", 1000);
var hours = Option("--hours", 24);
var skipServices = args.Contains("--only-database");
CurrencyModel? model = Array.IndexOf(args, "--currencies") is var m and >= 0
    ? (m + 1 < args.Length ? args[m + 1] : null) switch
    {
        "shaped" => CurrencyModel.Shaped,
        "independent" => CurrencyModel.Independent,
        _ => null,
    }
    : CurrencyModel.Shaped;
if (coins < 100 || hours < 1 || model is null)
{
    Console.Error.WriteLine(
        "Usage: --coins N (at least 100) --hours H (at least 1) [--currencies shaped|independent] [--only-database]");
    return 2;
}

// dotnet run -c Release --project tools/Btc.Benchmarks -- proxy [--coins 1000] [--hours 24] [--seconds 5]
if (args is ["proxy", ..])
    return await ProxyRunAsync(coins, hours, model.Value, TimeSpan.FromSeconds(Option("--seconds", 5)));

var started = Stopwatch.GetTimestamp();
using var cluster = PostgresCluster.Start();
var admin = cluster.ConnectionString;
var bench = await CreateDatabaseAsync(admin, "bench");
var cycles = await CreateDatabaseAsync(admin, "bench_cycles");
await using var db = BtcConnectionString.CreateDataSource(bench);
var report = new Report();
Console.WriteLine($"BTC benchmark: {coins:N0} coins × {hours} h of minute samples "
    + $"({model.Value.ToString().ToLowerInvariant()}), PostgreSQL on port {cluster.Port}");

// The fill's minutes end where the current minute starts, as if the worker had polled up to now.
var now = DateTime.UtcNow;
var end = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
var fillTime = Stopwatch.GetTimestamp();
var (tracked, _, rows) = await Fill.RunAsync(db, coins, hours, end, model.Value);
report.Add("fill: samples written by binary COPY", rows, "rows");
report.Add("fill: time", Stopwatch.GetElapsedTime(fillTime).TotalSeconds, "s");
// The original's queries read raw samples: before packing, which leaves only the current quarter's raw.
var original = await QueryBenchmarks.OriginalQueryShapeAsync(db, tracked[0].Id, end);
report.Add("original's per-request volatility (two aggregates over 24 h of all coins, raw samples)", original, "ms");
var (compaction, compactionWal, packs, hourPacks) =
    await Fill.CompactAsync(db, end.AddHours(-hours), byQuarter: true);
report.Add($"compaction, quarters then hours as the worker packs ({packs:N0} packs), per hour of samples, "
    + $"{coins:N0} coins", compaction.TotalSeconds / hours, "s", "≤ 2 s", compaction.TotalSeconds / hours <= 2);
report.Add("compaction: of which hour packs (the hour's quarter pieces and last quarter's raw samples into one)",
    hourPacks.TotalSeconds / hours, "s");
report.Add($"compaction: WAL per hour of samples, {coins:N0} coins", compactionWal / 1e6 / hours, "MB");
var (rollup, rolledHours) = await Fill.RollUpAsync(db);
if (rolledHours > 0)
    report.Add(
        $"rollup into hour and day bars, per hour of samples, {coins:N0} coins",
        rollup.TotalSeconds / rolledHours,
        "s");

await QueryBenchmarks.StorageAsync(db, coins, hours, model.Value, report);
await CodecBenchmark.RunAsync(db, tracked[0].CoinKey, report);
await ColdSeriesBenchmark.BuffersAsync(db, tracked, report);
// A year of bars is 22 million rows at 1,000 coins; at more, writing them would take most of the run.
if (coins <= 1000)
    await HistoryBenchmark.RunAsync(db, tracked, report);
await QueryBenchmarks.RecomputeAsync(db, end, coins, report);
await IngestBenchmark.RunAsync(db, tracked, end.AddMinutes(5), report);

if (!skipServices)
{
    var codes = (await new CurrencyStore(db).ListAsync())
        .Where(c => c.ColumnName is not null).Select(c => c.Code).ToArray();
    var volatilityP50 = await ApiBenchmark.RunAsync(bench, tracked, codes, report);
    report.Add(
        "volatility_rank endpoint vs the original's query shape (p50, 1 client)",
        original / volatilityP50,
        "× faster",
        "≥ 300×",
        original / volatilityP50 >= 300);
    // Its cycles write minutes after the ingest benchmark's, so that every row they store is new.
    await ManyClientsBenchmark.RunAsync(bench, db, tracked, end.AddHours(2), report);
    await CycleBenchmark.RunAsync(cycles, report);
}

report.Print(Console.Out);
var machine = new
{
    cores = Environment.ProcessorCount,
    os = Environment.OSVersion.ToString(),
    dotnet = Environment.Version.ToString(),
    coins,
    hours,
    currencies = model.Value.ToString().ToLowerInvariant(),
};
Directory.CreateDirectory(Path.Combine(ChildProcess.RepositoryRoot(), "benchmark-results"));
var json = Path.Combine(ChildProcess.RepositoryRoot(), "benchmark-results", "latest.json");
report.Write(json, machine);
Console.WriteLine(
    $"\nWritten to {json}; the whole run took {Stopwatch.GetElapsedTime(started).TotalMinutes:0.0} minutes.");
return 0;

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
}

static async Task<string> CreateDatabaseAsync(string admin, string name)
{
    await using (var connection = new NpgsqlConnection(admin))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
    }
    var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    Migrator.Up(connectionString);
    return connectionString;
}

// Reads through Caddy with 1, 2 and 3 API replicas over a fill of its own (docs/scaling.md).
static async Task<int> ProxyRunAsync(int coins, int hours, CurrencyModel model, TimeSpan duration)
{
    using var cluster = PostgresCluster.Start();
    var connectionString = await CreateDatabaseAsync(cluster.ConnectionString, "bench_proxy");
    await using var db = BtcConnectionString.CreateDataSource(connectionString);
    var now = DateTime.UtcNow;
    var end = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
    var (tracked, _, _) = await Fill.RunAsync(db, coins, hours, end, model);
    await Fill.CompactAsync(db, end.AddHours(-hours), byQuarter: true);
    var codes = (await new CurrencyStore(db).ListAsync())
        .Where(c => c.ColumnName is not null).Select(c => c.Code).ToArray();
    Console.WriteLine($"Proxy benchmark: {coins:N0} coins × {hours} h, {duration.TotalSeconds:0} s a measure, "
        + $"{Environment.ProcessorCount} cores");
    var report = new Report();
    await ProxyBenchmark.RunAsync(connectionString, tracked, codes, duration, report);
    report.Print(Console.Out);
    return 0;
}
