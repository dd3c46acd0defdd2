using Btc.Data.Coins;

namespace Btc.Benchmarks;

/// <summary>
/// Reads through Caddy (proxy/Caddyfile, the replicas listed as run.sh lists them) with 1, 2 and 3 API processes,
/// and Caddy alone in front of a constant endpoint against that endpoint direct: what the proxy costs, and that
/// nothing breaks as replicas are added. On a machine of few cores the replicas share them: no linear scaling.
/// Every figure at <see cref="Clients"/> closed-loop clients.
/// </summary>
public static class ProxyBenchmark
{
    private const int Clients = 16;

    // Caddy's own state (its autosaved configuration), removed when the run ends.
    private static readonly string State = Directory.CreateTempSubdirectory("btc-bench-caddy-").FullName;

    public static async Task RunAsync(
        string connectionString, IReadOnlyList<TrackedCoin> coins, IReadOnlyList<string> currencies,
        TimeSpan duration, Report report)
    {
        try
        {
            await ProxyAloneAsync(duration, report);
            await ThroughCaddyAsync(connectionString, coins, currencies, duration, report);
        }
        finally
        {
            Directory.Delete(State, recursive: true);
        }
    }

    private static async Task ThroughCaddyAsync(
        string connectionString, IReadOnlyList<TrackedCoin> coins, IReadOnlyList<string> currencies,
        TimeSpan duration, Report report)
    {
        var pairs = coins.SelectMany(coin => currencies.Select(currency =>
            $"/stock/{Uri.EscapeDataString(coin.Id)}/{currency}")).ToArray();
        new Random(25).Shuffle(pairs);
        long asked = -1;
        foreach (var replicas in new[] { 1, 2, 3 })
        {
            var ports = Enumerable.Range(0, replicas).Select(_ => CycleBenchmark.FreePort()).ToArray();
            var apis = ports.Select(port =>
                ChildProcess.StartApi(connectionString, port, ("Api__TrustedProxies", "127.0.0.1"))).ToList();
            try
            {
                foreach (var port in ports)
                    await ChildProcess.WaitForHttpAsync(
                        $"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(60));
                var proxyPort = CycleBenchmark.FreePort();
                using var caddy = StartCaddy(proxyPort, ports);
                var proxy = $"http://127.0.0.1:{proxyPort}";
                await ChildProcess.WaitForHttpAsync($"{proxy}/health/ready", TimeSpan.FromSeconds(30));
                var hot = await LoadGenerator.RunAsync($"{proxy}/stock/{coins[0].Id}/usd", Clients, duration);
                Record(report, $"Caddy, {replicas} API replica(s): one hot series", hot);
                var cold = await LoadGenerator.RunAsync(
                    () => proxy + pairs[Interlocked.Increment(ref asked) % pairs.Length], Clients, duration);
                Record(report, $"Caddy, {replicas} API replica(s): never-repeated", cold);
            }
            finally
            {
                apis.ForEach(api => api.Dispose());
            }
        }
        if (asked + 1 > pairs.Length)
            report.Add("proxy: never-repeated pairs ran out and repeated", asked + 1, "requests");
    }

    /// <summary>The baseline's constant string direct, then through Caddy: the proxy's own cost.</summary>
    private static async Task ProxyAloneAsync(TimeSpan duration, Report report)
    {
        var baselinePort = CycleBenchmark.FreePort();
        using var baseline = ChildProcess.Start(Path.Combine(AppContext.BaseDirectory, "Btc.Benchmarks.dll"),
            ["--baseline-server", baselinePort.ToString()], new Dictionary<string, string>());
        await ChildProcess.WaitForHttpAsync($"http://127.0.0.1:{baselinePort}/text", TimeSpan.FromSeconds(60));
        var proxyPort = CycleBenchmark.FreePort();
        using var caddy = StartCaddy(proxyPort, [baselinePort]);
        await ChildProcess.WaitForHttpAsync($"http://127.0.0.1:{proxyPort}/text", TimeSpan.FromSeconds(30));
        Record(report, "constant string, direct",
            await LoadGenerator.RunAsync($"http://127.0.0.1:{baselinePort}/text", Clients, duration));
        Record(report, "constant string, through Caddy",
            await LoadGenerator.RunAsync($"http://127.0.0.1:{proxyPort}/text", Clients, duration));
    }

    private static ChildProcess StartCaddy(int port, IEnumerable<int> upstreams) =>
        ChildProcess.StartProgram("caddy",
            ["run", "--adapter", "caddyfile", "--config",
                Path.Combine(ChildProcess.RepositoryRoot(), "proxy", "Caddyfile")],
            new Dictionary<string, string>
            {
                ["HOME"] = State,
                ["XDG_CONFIG_HOME"] = State,
                ["XDG_DATA_HOME"] = State,
                ["BTC_SITE"] = $"http://:{port}",
                ["BTC_BIND"] = "127.0.0.1",
                ["BTC_API_DISCOVERY"] = "list",
                ["BTC_API_UPSTREAMS"] = string.Join(' ', upstreams.Select(p => $"127.0.0.1:{p}")),
            }, State);

    private static void Record(Report report, string name, LoadGenerator.Result result)
    {
        report.Add($"{name}: throughput", result.RequestsPerSecond, "req/s");
        report.Add($"{name}: p99", result.P99Ms, "ms");
        if (result.Errors > 0)
            report.Add($"{name}: errors", result.Errors, "responses");
    }
}
