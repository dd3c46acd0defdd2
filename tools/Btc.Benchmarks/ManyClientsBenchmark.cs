using System.Diagnostics;
using System.Net.Http.Json;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// Many clients on never-repeated keys while cycles write: every request asks the 24 h series of a (coin, currency)
/// pair no request of the run asked before, so none is answered from the API's caches and each takes a connection
/// from the API's bounded pool. What must hold: no 5xx but the busy database's 503 (with Retry-After: the pool's wait
/// or the request's 20 s deadline over), no request over 30 s, and no more connections than the pool allows.
/// </summary>
public static class ManyClientsBenchmark
{
    private const int Clients = 256;
    // The API's pool in compose.yaml. The pool's wait (Npgsql's Timeout) is left at its default, as the product runs.
    private const int PoolSize = 30;
    private const string ApplicationName = "btc-api-many-clients";
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);
    private static readonly string Prefix = $"many clients ({Clients}, never-repeated keys, cycles writing)";

    public static async Task RunAsync(
        string connectionString,
        NpgsqlDataSource db,
        IReadOnlyList<TrackedCoin> coins,
        DateTime writesAfter,
        Report report)
    {
        var port = CycleBenchmark.FreePort();
        using var api = StartApi(connectionString, port);
        await ChildProcess.WaitForHttpAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(60));

        // Coins vary fastest: consecutive requests are different coins, and a coin comes back only in another currency.
        var currencies = (await new CurrencyStore(db).ListAsync())
            .Where(c => c.ColumnName is not null).Select(c => c.Code).ToArray();
        var pairs = (long)coins.Count * currencies.Length;
        string Url(long i) =>
            $"http://127.0.0.1:{port}/stock/{coins[(int)(i % coins.Count)].Id}/{currencies[i / coins.Count]}";

        // The last few pairs are asked here, before the load, which stops short of them: the routes are right and
        // the answers are series, not empty arrays or problems.
        const int checks = 3;
        await CheckAnswersAsync(Url, pairs - checks, pairs);

        using var stop = new CancellationTokenSource();
        var writes = WritingCycles.RunAsync(db, coins, writesAfter, stop.Token);
        var peakConnections = PeakConnectionsAsync(db, stop.Token);
        var next = -1L;
        string? NextUrl() => Interlocked.Increment(ref next) is var i && i < pairs - checks ? Url(i) : null;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, UseCookies = false };
        using var http = new HttpClient(handler) { Timeout = 2 * Slow };
        await LoadAsync(http, NextUrl, WarmUp); // connections, JIT, the coin-key lookups of the first coins
        var load = await LoadAsync(http, NextUrl, Duration);
        await stop.CancelAsync();
        var written = await writes;
        var connections = await peakConnections;

        ReportLoad(report, load, pairs, connections, written, coins.Count);
        report.Add($"{Prefix}: API peak RSS", api.PeakRssMiB, "MiB");
    }

    private static ChildProcess StartApi(string connectionString, int port)
    {
        var pool = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = PoolSize,
            ApplicationName = ApplicationName,
        };
        return ChildProcess.StartApi(pool.ConnectionString, port);
    }

    private static async Task CheckAnswersAsync(Func<long, string> url, long from, long to)
    {
        using var check = new HttpClient();
        for (var i = from; i < to; i++)
        {
            var series = await check.GetFromJsonAsync<double[][]>(url(i));
            if (series is not { Length: > 0 })
                throw new InvalidOperationException($"{url(i)} answered no prices.");
        }
    }

    private static void ReportLoad(
        Report report,
        Load load,
        long pairs,
        int connections,
        WritingCycles.Result written,
        int coins)
    {
        var latencies = load.Latencies;
        latencies.Sort();
        int Count(Func<int, bool> status) => load.Statuses.Where(s => status(s.Key)).Sum(s => s.Value);
        var otherServerErrors = Count(s => s >= 500 && s != 503);
        var max = latencies[^1];
        report.Add($"{Prefix}: requests done", latencies.Count, "requests");
        report.Add($"{Prefix}: throughput", latencies.Count / load.Elapsed.TotalSeconds, "req/s");
        report.Add($"{Prefix}: p50 / p99 latency", latencies[latencies.Count / 2],
            $"ms / {latencies[(int)(latencies.Count * 0.99)]:0.###} ms");
        report.Add(
            $"{Prefix}: max latency",
            max / 1000,
            "s",
            $"< {Slow.TotalSeconds:0} s",
            max < Slow.TotalMilliseconds);
        report.Add($"{Prefix}: requests over {Slow.TotalSeconds:0} s", latencies.Count(l => l > Slow.TotalMilliseconds),
            "requests");
        report.Add($"{Prefix}: 2xx", Count(s => s is >= 200 and < 300), "responses");
        report.Add($"{Prefix}: 503 (pool wait or request deadline over, Retry-After)", Count(s => s == 503),
            "responses");
        report.Add($"{Prefix}: 5xx other than 503", otherServerErrors, "responses", "0", otherServerErrors == 0);
        if (Count(s => s is < 200 or (>= 300 and < 500)) is var other and > 0)
            report.Add($"{Prefix}: other statuses (4xx) or no answer", other, "responses");
        if (load.Bare503 > 0)
            report.Add($"{Prefix}: 503 without Retry-After", load.Bare503, "responses");
        if (load.EmptyOk > 0)
            report.Add($"{Prefix}: 200 with no prices", load.EmptyOk, "responses");
        if (load.RanOut)
            report.Add($"{Prefix}: ran out of never-asked pairs ({pairs:N0})", 1, "");
        report.Add(
            $"{Prefix}: API database connections, peak (pool {PoolSize} + notice listener)",
            connections,
            "connections",
            $"≤ {PoolSize + 1}",
            connections <= PoolSize + 1);
        report.Add(
            $"{Prefix}: cycles written during warm-up and load (1 minute × {coins:N0} coins each)",
            written.Cycles,
            $"cycles ({written.Rows / written.Elapsed.TotalSeconds:N0} rows/s, longest "
                + $"{written.Longest.TotalSeconds:0.##} s)");
    }

    private sealed record Load(
        List<double> Latencies,
        Dictionary<int, int> Statuses,
        int EmptyOk,
        int Bare503,
        bool RanOut,
        TimeSpan Elapsed);

    /// <summary>
    /// A closed loop: each client sends the next request when the last is answered, each to the next URL, until the
    /// time is up or the URLs run out. A request that gets no answer counts as status 0, at the time it took.
    /// </summary>
    private static async Task<Load> LoadAsync(HttpClient http, Func<string?> next, TimeSpan duration)
    {
        var latencies = new List<double>[Clients];
        var statuses = new Dictionary<int, int>[Clients];
        var (emptyOk, bare503, ranOut) = (0, 0, false);
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            var (mine, seen) = (latencies[client] = [], statuses[client] = []);
            var buffer = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < until)
            {
                if (next() is not { } url)
                {
                    ranOut = true;
                    return;
                }
                var sent = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                    await using var body = await response.Content.ReadAsStreamAsync();
                    long bytes = 0;
                    for (int read; (read = await body.ReadAsync(buffer)) > 0;)
                        bytes += read;
                    status = (int)response.StatusCode;
                    if (status == 200 && bytes <= 2)
                        Interlocked.Increment(ref emptyOk);
                    if (status == 503 && response.Headers.RetryAfter is null)
                        Interlocked.Increment(ref bare503);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    status = 0;
                }
                mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                seen[status] = seen.GetValueOrDefault(status) + 1;
            }
        }));
        var merged = statuses.SelectMany(s => s).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        return new Load(
            latencies.SelectMany(l => l).ToList(),
            merged,
            emptyOk,
            bare503,
            ranOut,
            Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The most connections the API held at once, from pg_stat_activity every 50 ms until stopped.</summary>
    private static async Task<int> PeakConnectionsAsync(NpgsqlDataSource db, CancellationToken stop)
    {
        var peak = 0;
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, await connection.ExecuteScalarAsync<int>(
                "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = "
                    + "@ApplicationName", new { ApplicationName }));
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return peak;
    }
}
