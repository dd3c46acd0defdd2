using System.Globalization;
using System.Text.RegularExpressions;
using Btc.LocalPostgres;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Btc.Tests.Live;

namespace Btc.Tests.Running;

public sealed class MetricsTests
{
    [Fact]
    public async Task A_worker_s_metrics_show_its_cycles_calls_rows_and_budget_and_move_after_a_cycle()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(30);
        var port = LoopbackPorts.Free();
        await using var worker = await WorkerHost.StartAsync(
            db.ConnectionString,
            coinGecko,
            ("Worker:MetricsPort", $"{port}"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        var first = await Eventually.Until(
            () => http.GetStringAsync("/metrics"),
            text => Value(text, "btc_cycles_total", "outcome=\"complete\"") == 1,
            TimeSpan.FromSeconds(30),
            "the first cycle in the worker's metrics");

        Value(first, "btc_coingecko_calls_total", "status=\"ok\"").Should().BeGreaterThanOrEqualTo(2,
            "the coin list and a page");
        Value(first, "btc_rows_total", "kind=\"stored\"").Should().BePositive();
        Value(first, "btc_pages_total", "outcome=\"stored\"").Should().Be(1);
        Value(first, "btc_cycle_duration_seconds_count").Should().Be(1);
        Value(first, "btc_budget_used", "window=\"minute\"").Should().BeGreaterThanOrEqualTo(2);
        Value(first, "btc_budget_left", "window=\"minute\"").Should().BeLessThanOrEqualTo(10_000 - 2);
        Value(first, "btc_cycle_since_last_completed_seconds").Should().BeGreaterThanOrEqualTo(0);
        first.Should().Contain("http_client_request_duration_seconds", "HttpClient's own instrumentation");
        // The API, with a live stream open while the second cycle stores its page.
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        var client = api.CreateClient();
        await using var stream = await SseReader.OpenAsync(client, "/live?currency=usd");

        await coinGecko.AdvanceAsync(1);
        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        var second = await Eventually.Until(() => http.GetStringAsync("/metrics"),
            text => Value(text, "btc_cycles_total", "outcome=\"complete\"") == 2
                && Value(text, "btc_ranks_recompute_duration_seconds_count") > 0,
            TimeSpan.FromSeconds(30), "the second cycle, and a recompute of the ranks after a cycle");
        Value(second, "btc_coingecko_calls_total", "status=\"ok\"")
            .Should().BeGreaterThan(Value(first, "btc_coingecko_calls_total", "status=\"ok\"")!.Value);

        // Every metric the Grafana dashboard graphs is in what the worker or the API serves.
        await stream.WaitForAsync(1, "the second cycle's page on the live stream");
        (await client.GetAsync("/stock")).EnsureSuccessStatusCode();
        (await client.GetAsync("/stock")).EnsureSuccessStatusCode();
        var served = second + await client.GetStringAsync("/metrics");
        var graphed = ComposeFileTests.DashboardExpressions()
            .SelectMany(e => Regex.Matches(e, @"\b(?:btc|http_server|db_client)_[a-z_]+\b").Select(m => m.Value))
            .Distinct().ToArray();
        graphed.Should().HaveCountGreaterThanOrEqualTo(10);
        graphed.Where(name => !Regex.IsMatch(served, $@"^{name}[{{ ]", RegexOptions.Multiline))
            .Should().BeEmpty("the dashboard graphs only what is served");
    }

    [Fact]
    public async Task The_API_s_metrics_show_requests_the_cache_and_Hangfire_s_jobs_without_a_key()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        // A password in the connection string (the test server trusts every login, so any will do) must not reach
        // the metrics: Npgsql names its pools by the connection string.
        await using var api = new ApiFactory(
            db.ConnectionString + ";Password=hunter2-in-metrics",
            TimeProvider.System,
            ("Api:RequireKey", "true"));
        var client = api.CreateClient();

        (await client.GetAsync("/stock")).StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        var text = await Eventually.Until(
            () => client.GetStringAsync("/metrics"),
            t => t.Contains("btc_hangfire_jobs", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "the API's metrics");

        Value(text, "btc_hangfire_jobs", "state=\"enqueued\"").Should().Be(0);
        Value(text, "btc_hangfire_jobs", "state=\"failed\"").Should().Be(0);
        text.Should().MatchRegex(
            "http_server_request_duration_seconds_count\\{[^}]*"
            + "http_response_status_code=\"401\",http_route=\"/stock/\"",
            "the refused request, by route");
        text.Should().Contain("db_client_operation_duration_seconds", "Npgsql's own metrics: the database's time");
        text.Should().NotContain("hunter2-in-metrics");
    }

    /// <summary>
    /// The value of the first sample of <paramref name="name"/> whose labels hold <paramref name="label"/>.
    /// </summary>
    private static double? Value(string text, string name, string label = "")
    {
        foreach (Match m in Regex.Matches(
            text,
            $@"^{Regex.Escape(name)}(\{{[^}}]*\}})? ([^ \n]+)",
            RegexOptions.Multiline))
        {
            if (m.Groups[1].Value.Contains(label, StringComparison.Ordinal))
                return double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }
}
