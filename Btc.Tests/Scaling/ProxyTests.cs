using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Btc.Hosting.Jobs;
using Btc.Hosting.Scheduling;
using Hangfire;
using Hangfire.States;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;

namespace Btc.Tests.Scaling;

/// <summary>
/// Three API processes behind Caddy with the repository's Caddyfile, found by DNS as compose's `--scale api=3` is:
/// the balancer spreads, survives a crash and a stop, takes in a new replica, streams, and forwards the client.
/// </summary>
[Trait("Category", "Faults")]
public sealed class ProxyTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private const int Clients = 4;
    private ApiReplicas Replicas => fixture.Replicas;

    [Fact]
    public async Task Requests_through_the_proxy_are_spread_over_every_replica()
    {
        await Replicas.EnsureAsync(3);
        var running = Replicas.Running;
        using var http = Replicas.Client();
        var before = await Task.WhenAll(running.Select(r => ApiReplicas.ServedAsync(r, "/stock/")));

        for (var i = 0; i < 10 * running.Count; i++)
            (await http.GetAsync("/stock/")).StatusCode.Should().Be(HttpStatusCode.OK);

        var after = await Task.WhenAll(running.Select(r => ApiReplicas.ServedAsync(r, "/stock/")));
        after.Zip(before, (a, b) => a - b).Should().OnlyContain(served => served >= 5,
            "round robin sends each replica its share (10 here)");
    }

    [Fact]
    public async Task A_replica_killed_loses_at_most_the_requests_in_flight_and_the_next_ones_are_served()
    {
        await Replicas.EnsureAsync(3);
        var victim = Replicas.Running[0];
        using var http = Replicas.Client();
        List<LoadResult> results;
        DateTime killedAt;
        await using (var load = SteadyLoad.Start(http, "/stock", Clients))
        {
            await load.WaitForAsync(30, DateTime.MinValue, "requests before the kill");
            killedAt = DateTime.UtcNow;
            Replicas.Kill(victim);
            await load.WaitForAsync(60, killedAt, "requests after the kill");
            results = [.. load.Results];
        }
        Replicas.Forget(victim);

        results.Count(r => r.Status != 200).Should().BeLessThanOrEqualTo(Clients, "only requests in flight may fail");
        results.Where(r => r.SentAt > killedAt).Should().OnlyContain(r => r.Status == 200,
            "a refused connection is retried on another replica");
    }

    [Fact]
    public async Task A_replica_started_later_gets_traffic_without_a_restart_of_the_proxy()
    {
        await Replicas.EnsureAsync(3);
        using var http = Replicas.Client();

        // AddAsync returns once the proxy has sent the newcomer requests: it refreshed its DNS answer by itself.
        var added = await Replicas.AddAsync();
        var before = await ApiReplicas.ServedAsync(added, "/stock/");
        for (var i = 0; i < 2 * Replicas.Running.Count; i++)
            (await http.GetAsync("/stock/")).EnsureSuccessStatusCode();

        (await ApiReplicas.ServedAsync(added, "/stock/")).Should().BeGreaterThanOrEqualTo(before + 1);
        Replicas.Proxy.Stopped.Should().BeFalse("the same Caddy process, never reloaded");
        added.Terminate();
        await added.Output.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(40)).Token);
        Replicas.Forget(added);
    }

    [Fact]
    public async Task A_replica_told_to_stop_under_steady_load_fails_readiness_first_and_loses_no_request()
    {
        await Replicas.EnsureAsync(3);
        var leaving = Replicas.Running[0];
        using var http = Replicas.Client();
        List<LoadResult> results;
        await using (var load = SteadyLoad.Start(http, "/stock", Clients))
        {
            await load.WaitForAsync(30, DateTime.MinValue, "requests before the stop");
            leaving.Terminate();
            await Eventually.Until(async () => (await leaving.Http.GetAsync("/health/ready")).StatusCode,
                s => s == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10),
                "readiness to fail while the replica still serves");
            await leaving.Output.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(40)).Token);
            // Docker's DNS names a stopping container until it has exited: the proxy kept sending it requests.
            await load.WaitForAsync(60, DateTime.UtcNow, "requests after the replica exited");
            results = [.. load.Results];
        }
        Replicas.Forget(leaving);

        results.Should().OnlyContain(r => r.Status == 200, "the drain and the retries lose nothing");
        leaving.Output.Process.ExitCode.Should().Be(0, leaving.Output.Errors);
    }

    [Fact]
    public async Task A_live_stream_through_the_proxy_receives_events_as_they_are_committed()
    {
        await Replicas.EnsureAsync(3);
        using var http = Replicas.Client();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var coin = (await fixture.CoinsAsync())[0];
        await using var stream = await SseReader.OpenAsync(http, $"/stock/{coin}/usd/live");
        await using var market = await SseReader.OpenAsync(http, "/live?currency=usd");

        await fixture.CycleAsync();
        var events = await stream.WaitForAsync(1, "the new price through Caddy", TimeSpan.FromSeconds(30));
        await market.WaitForAsync(3, "the new pages through Caddy", TimeSpan.FromSeconds(30));

        stream.Ended.Should().BeFalse("Caddy passes each event on as it comes, not when the stream ends");
        JsonSerializer.Deserialize<double[]>(events[0].Data)
            .Should().Equal((await fixture.SeriesAsync(coin, "usd"))[^1]);
    }

    [Fact]
    public async Task A_dashboard_action_posted_through_the_proxy_is_accepted_by_another_replica_than_the_issuer()
    {
        await Replicas.EnsureAsync(3);
        var storage = HangfireStorage.Create(fixture.ConnectionString);
        var jobs = Enumerable.Range(0, 4).Select(_ => new BackgroundJobClient(storage)
            .Schedule<ISyncCurrenciesJob>(j => j.RunAsync(CancellationToken.None), TimeSpan.FromDays(1))).ToList();
        // A browser's cookies, kept by the client. Its forwarded address, 127.0.0.8, is this machine's: the dashboard
        // lets it in without the password, as any local browser (remote ones: DashboardTests); the token is checked.
        using var http = Replicas.Client(IPAddress.Parse("127.0.0.8"));
        var (issuer, page) = await AnsweredByAsync(() => http.GetAsync("/hangfire"));
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        var (header, token) = (Meta(html, "csrf-header"), Meta(html, "csrf-token"));

        (await http.PostAsync($"/hangfire/jobs/actions/requeue/{jobs[0]}", null)).StatusCode
            .Should().Be(HttpStatusCode.Forbidden, "the check is on: a post without the token is refused");
        var posts = new List<(ApiProcess By, HttpStatusCode Status, string Job)>();
        foreach (var job in jobs.Skip(1))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/hangfire/jobs/actions/requeue/{job}");
            request.Headers.Add(header, token);
            var (by, response) = await AnsweredByAsync(() => http.SendAsync(request));
            posts.Add((by, response.StatusCode, job));
            if (by != issuer)
                break;
        }

        posts.Should().OnlyContain(p => p.Status == HttpStatusCode.NoContent);
        posts[^1].By.Should().NotBe(issuer, "round robin sends a later post to another replica");
        // The fixture's worker may have run it since: its history says it was enqueued.
        storage.GetMonitoringApi().JobDetails(posts[^1].Job).History.Select(h => h.StateName)
            .Should().Contain(EnqueuedState.StateName, "the other replica requeued the scheduled job");
    }

    [Fact]
    public async Task The_API_limits_each_client_by_its_own_address_not_the_proxys()
    {
        const int burst = 20;
        // A database of its own: on the fixture's, its three replicas would count and take 3/4 of every bucket.
        await using var db = await DatabaseFixture.CreateAsync();
        using var limited = await ApiReplicas.StartAsync(db.ConnectionString, 1,
            new Dictionary<string, string> { ["Api__RequestsPerSecond"] = "1", ["Api__Burst"] = $"{burst}" });
        using var greedy = limited.Client(IPAddress.Parse("127.0.0.5"));
        using var other = limited.Client(IPAddress.Parse("127.0.0.6"));

        var greedyStatuses = await SendAsync(greedy, 2 * burst);
        // As many as its burst: all served from its own bucket. Counted as the proxy's address, it would share the
        // greedy client's empty one, refilled by one a second.
        var otherStatuses = await SendAsync(other, burst);

        greedyStatuses.Should().Contain(HttpStatusCode.TooManyRequests);
        otherStatuses.Should().OnlyContain(s => s == HttpStatusCode.OK, "the other client has a bucket of its own");
    }

    private static async Task<List<HttpStatusCode>> SendAsync(HttpClient http, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
            statuses.Add((await http.GetAsync("/stock")).StatusCode);
        return statuses;
    }

    /// <summary>Sends one request through the proxy; tells which replica answered it (from their /metrics).</summary>
    private async Task<(ApiProcess By, HttpResponseMessage Response)> AnsweredByAsync(
        Func<Task<HttpResponseMessage>> send)
    {
        var running = Replicas.Running;
        var before = await Task.WhenAll(running.Select(DashboardServedAsync));
        var response = await send();
        // A replica counts a request once its response has ended, a moment after the client has read it.
        var after = await Eventually.Until(async () => await Task.WhenAll(running.Select(DashboardServedAsync)),
            now => now.Sum() > before.Sum(), TimeSpan.FromSeconds(10), "the replica to count the request");
        var answered = running.Where((_, i) => after[i] > before[i]).ToList();
        answered.Should().ContainSingle("one replica answered the one request");
        return (answered[0], response);
    }

    private static async Task<long> DashboardServedAsync(ApiProcess replica) =>
        (await replica.Http.GetStringAsync("/metrics")).Split('\n')
        .Where(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/hangfire", StringComparison.Ordinal))
        .Sum(line => (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static string Meta(string html, string name) =>
        Regex.Match(html, $"<meta name=\"{name}\" content=\"([^\"]+)\"").Groups[1].Value
            is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The dashboard page has no {name} meta tag.");
}
