using System.Globalization;
using System.Text.RegularExpressions;
using Btc.Data;
using Btc.Data.Coins;
using Btc.LocalPostgres;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// Live streams on one API process: per-coin streams over the coins plus 100 market streams, held by a client
/// process of its own, while cycles are written one every few seconds through the page job's path. Measures
/// commit-to-client latency, the API's resident memory per idle stream, the feed's statements and the API's CPU per
/// cycle, and the events lost (expected from price_commit, which names every page's coins).
/// </summary>
public static class LiveBenchmark
{
    private const int Market = 100;
    private const int Cycles = 6;
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(int subscribers, Report report)
    {
        using var cluster = PostgresCluster.Start();
        var connectionString = await CreateDatabaseAsync(cluster.ConnectionString);
        await using var db = BtcConnectionString.CreateDataSource(connectionString);
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var (coins, _, _) = await Fill.RunAsync(db, 1000, 1, end.AddMinutes(-10));
        var port = CycleBenchmark.FreePort();
        using var api = ChildProcess.StartApi(connectionString, port,
            ("Api__MaxStreams", "20000"), ("Api__MaxStreamsPerClient", "20000"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await ChildProcess.WaitForHttpAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(60));
        await WaitForStreamsAsync(http);
        var rssBefore = RssMiB(api.Id);

        var file = Path.Combine(Path.GetTempPath(), $"btc-live-{Environment.ProcessId}");
        await File.WriteAllLinesAsync(file + ".coins", coins.Select(c => c.Id));
        using var clients = ChildProcess.Start(ChildProcess.Dll("tools/Btc.Benchmarks"),
            ["--live-clients", $"{port}", file, $"{subscribers - Market}", $"{Market}"],
            new Dictionary<string, string>());
        await WaitForFileAsync(file + ".open", TimeSpan.FromMinutes(8));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var rssIdle = RssMiB(api.Id);

        var (reads0, cpu0, from) = (await ReadsAsync(http), api.CpuTime, await LatestAsync(db));
        using var stop = new CancellationTokenSource(Every * Cycles - TimeSpan.FromSeconds(1));
        var written = await WritingCycles.RunAsync(db, coins, end, stop.Token, Every);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (reads1, cpu1) = (await ReadsAsync(http), api.CpuTime);
        await File.WriteAllTextAsync(file + ".stop", "");
        await WaitForFileAsync(file, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var (latencies, lost, expected) = await ArrivalsAsync(db, coins, file, from, subscribers - Market);
        var at = $"{subscribers:N0} subscribers";
        latencies.Sort();
        report.Add($"live, {at}: commit-to-client p50", Percentile(latencies, 0.5), "ms");
        var p99 = Percentile(latencies, 0.99);
        report.Add($"live, {at}: commit-to-client p99", p99, "ms", "≤ 250 ms at 10,000", p99 <= 250);
        var perStream = (rssIdle - rssBefore) * 1024 / subscribers;
        report.Add($"live, {at}: API resident memory per idle stream", perStream, "KB", "≤ 20 KB", perStream <= 20);
        report.Add($"live, {at}: feed statements per cycle (pages read)", (reads1.Pages - reads0.Pages) /
            written.Cycles, "statements");
        report.Add($"live, {at}: feed statements per cycle (cursor row, incl. once a second idle)",
            (reads1.Cursor - reads0.Cursor) / written.Cycles, "statements");
        report.Add($"live, {at}: API CPU per cycle fanned out", (cpu1 - cpu0).TotalMilliseconds / written.Cycles,
            "ms");
        report.Add($"live, {at}: events lost (of {expected:N0})", lost, "events", "0", lost == 0);
        foreach (var suffix in new[] { "", ".open", ".stop", ".coins" })
            File.Delete(file + suffix);
        return 0;
    }

    /// <summary>
    /// Latency of every event received (arrival minus its page's committed_at), and how many expected never came:
    /// a per-coin stream expects each new page holding its coin, a market stream every new page.
    /// </summary>
    private static async Task<(List<double> Latencies, long Lost, long Expected)> ArrivalsAsync(
        NpgsqlDataSource db, IReadOnlyList<TrackedCoin> coins, string file, long from, int perCoin)
    {
        await using var connection = await db.OpenConnectionAsync();
        var pages = (await connection.QueryAsync<(long Position, DateTime CommittedAt, int[] CoinKeys, DateTime[] At)>(
            "SELECT position, committed_at, coin_keys, updated_at FROM price_commit WHERE position > @from",
            new { from })).ToList();
        var committed = pages.ToDictionary(p => p.Position, p => p.CommittedAt);
        var keys = coins.ToDictionary(c => c.Id, c => c.CoinKey);
        var byPoint = pages.SelectMany(p => p.CoinKeys.Zip(p.At, (k, t) =>
                (Key: (k, new DateTimeOffset(t).ToUnixTimeSeconds()), p.CommittedAt)))
            .ToDictionary(x => x.Key, x => x.CommittedAt);
        var latencies = new List<double>();
        var received = 0L;
        foreach (var line in await File.ReadAllLinesAsync(file))
        {
            var (key, id, arrival) = line.Split(',') is [var k, var i, var a]
                ? (k, long.Parse(i, CultureInfo.InvariantCulture), long.Parse(a, CultureInfo.InvariantCulture))
                : throw new InvalidDataException(line);
            DateTime? commit = key == "market" ? committed.GetValueOrDefault(id)
                : byPoint.TryGetValue((keys[key], id), out var c) ? c : null;
            if (commit is null)
                continue;
            received++;
            latencies.Add(arrival - new DateTimeOffset(DateTime.SpecifyKind(commit.Value, DateTimeKind.Utc))
                .ToUnixTimeMilliseconds());
        }
        var perCoinExpected = Enumerable.Range(0, perCoin)
            .Sum(i => (long)pages.Count(p => p.CoinKeys.Contains(coins[i % coins.Count].CoinKey)));
        var expected = perCoinExpected + (long)Market * pages.Count;
        return (latencies, expected - received, expected);
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private static async Task<(double Cursor, double Pages)> ReadsAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        double Value(string read) =>
            Regex.Match(text, $@"^btc_live_reads_total\{{[^}}]*read=""{read}""[^}}]*\}} (\S+)", RegexOptions.Multiline)
                is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return (Value("cursor"), Value("pages"));
    }

    private static async Task<long> LatestAsync(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT position FROM price_commit_cursor");
    }

    private static async Task WaitForStreamsAsync(HttpClient http)
    {
        while ((await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/live?currency=usd"))).StatusCode
               != System.Net.HttpStatusCode.OK)
            await Task.Delay(200);
    }

    private static async Task WaitForFileAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{path} did not appear within {timeout.TotalMinutes:0} min.");
            await Task.Delay(200);
        }
    }

    private static double RssMiB(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
                CultureInfo.InvariantCulture) / 1024)
            .Single();

    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        await using (var connection = new NpgsqlConnection(admin))
            await connection.ExecuteAsync("CREATE DATABASE live");
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = "live" }.ConnectionString;
        Btc.Migrations.Migrator.Up(connectionString);
        return connectionString;
    }
}
