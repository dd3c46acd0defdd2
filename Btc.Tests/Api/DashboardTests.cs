using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Btc.Hosting.Jobs;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using CoinGecko.Simulator;
using Hangfire;
using Hangfire.States;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Btc.Tests.Api;

public sealed class DashboardTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Remote = "203.0.113.7";

    [Fact]
    public async Task A_loopback_request_is_let_in_without_credentials()
    {
        var response = await api.Client.SendAsync(Get("/hangfire", from: "127.0.0.1"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_menu_shows_gap_filling_s_progress()
    {
        var page = await (await api.Client.SendAsync(Get("/hangfire", from: "127.0.0.1"))).Content.ReadAsStringAsync();

        page.Should().Contain("Backfill")
            .And.Contain("""data-metric="btc:backfill" class="metric metric-default ">done<""",
                "nothing is left to fill in this database");
    }

    [Fact]
    public async Task A_remote_request_without_credentials_is_challenged()
    {
        var response = await api.Client.SendAsync(Get("/hangfire", from: Remote));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Basic");
    }

    [Theory]
    [InlineData("admin", "s3cret-pass", HttpStatusCode.OK)]
    [InlineData("admin", "wrong", HttpStatusCode.Unauthorized)]
    [InlineData("root", "s3cret-pass", HttpStatusCode.Unauthorized)]
    public async Task A_remote_request_is_let_in_with_the_configured_credentials_only(
        string user,
        string password,
        HttpStatusCode status)
    {
        var request = Get("/hangfire", from: Remote);
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

        (await api.Client.SendAsync(request)).StatusCode.Should().Be(status);
    }

    [Fact]
    public async Task A_job_retried_from_the_dashboard_is_run_by_a_worker_server_and_trigger_now_starts_a_cycle()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 20);
        await using var factory = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var dashboard = factory.CreateClient();
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        var storage = worker.Services.GetRequiredService<JobStorage>();
        var monitoring = storage.GetMonitoringApi();
        await Eventually.Until(() => Task.FromResult(monitoring.SucceededListCount()), n => n >= 2, CycleProbe.Deadline,
            "the start-up jobs");

        await coinGecko.AddFaultAsync(
            new Fault(FaultKind.Status, Count: 1_000, Path: "/supported_vs_currencies", Status: 500));
        var jobId = worker.Services.GetRequiredService<IBackgroundJobClient>()
            .Enqueue<ISyncCurrenciesJob>(j => j.RunAsync(CancellationToken.None));
        await Eventually.Until(() => Task.FromResult(monitoring.JobDetails(jobId).History[0].StateName),
            state => state == ScheduledState.StateName, CycleProbe.Deadline, "the failing job to wait for a retry");
        await coinGecko.Client.DeleteAsync("/sim/faults");

        var page = await dashboard.GetStringAsync("/hangfire");
        var (header, token) = (Meta(page, "csrf-header"), Meta(page, "csrf-token"));
        var fromAnotherOrigin = await dashboard.PostAsync($"/hangfire/jobs/actions/requeue/{jobId}", null);
        fromAnotherOrigin.StatusCode.Should().Be(HttpStatusCode.Forbidden,
            "a post without the page's antiforgery token is refused");
        (await dashboard.SendAsync(Post($"/hangfire/jobs/actions/requeue/{jobId}", null, header, token)))
            .StatusCode.Should().Be(HttpStatusCode.NoContent);

        var history = await Eventually.Until(() => Task.FromResult(monitoring.JobDetails(jobId).History),
            h => h[0].StateName == SucceededState.StateName, CycleProbe.Deadline, "the retried job to succeed");
        var servers = monitoring.Servers().Select(s => s.Name).ToArray();
        servers.Should().ContainSingle("the API runs no Hangfire server");
        history.First(h => h.StateName == ProcessingState.StateName).Data["ServerId"].Should().Be(servers[0]);

        var trigger = new FormUrlEncodedContent([new("jobs[]", RecurringJobIds.PollCycle)]);
        (await dashboard.SendAsync(Post("/hangfire/recurring/trigger", trigger, header, token)))
            .StatusCode.Should().Be(HttpStatusCode.NoContent);
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
    }

    [Fact]
    public async Task A_loopback_request_through_a_proxy_on_this_host_is_challenged()
    {
        var request = Get("/hangfire", from: "127.0.0.1");
        request.Headers.Add("X-Forwarded-For", Remote);

        (await api.Client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Unauthorized,
            "the proxy forwards requests from anywhere");
    }

    [Theory]
    [InlineData(Remote, HttpStatusCode.Unauthorized)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    public async Task Behind_a_named_proxy_the_client_address_it_forwards_is_the_one_checked(
        string client,
        HttpStatusCode status)
    {
        await using var factory = new ApiFactory(
            api.ConnectionString,
            TimeProvider.System,
            ("Api:TrustedProxies", "127.0.0.1"));
        using var http = factory.CreateClient();
        var request = Get("/hangfire", from: "127.0.0.1");
        request.Headers.Add("X-Forwarded-For", client);

        (await http.SendAsync(request)).StatusCode.Should().Be(status);
    }

    [Fact]
    public async Task A_forwarded_address_from_a_proxy_not_named_is_not_believed()
    {
        await using var factory = new ApiFactory(
            api.ConnectionString,
            TimeProvider.System,
            ("Api:TrustedProxies", "10.1.2.3"));
        using var http = factory.CreateClient();
        var request = Get("/hangfire", from: Remote);
        request.Headers.Add("X-Forwarded-For", "127.0.0.1");

        (await http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_generated_password_is_written_to_a_file_only_its_user_reads_and_never_logged()
    {
        var file = Path.Combine(Path.GetTempPath(), $"btc-dashboard-password-{Guid.NewGuid():N}");
        var logs = new LogCapture();
        await using var factory = new ApiFactory(
            api.ConnectionString,
            TimeProvider.System,
            ("Dashboard:Password", ""),
            ("Dashboard:PasswordFile", file));
        await using var logged = factory.WithWebHostBuilder(
            host => host.ConfigureLogging(logging => logging.AddProvider(logs)));
        using var http = logged.CreateClient();
        try
        {
            var request = Get("/hangfire", from: Remote);
            var password = await File.ReadAllTextAsync(file);
            request.Headers.Authorization = new AuthenticationHeaderValue(
                "Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{password}")));
            (await http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK,
                "the generated password lets its holder in");

            password.Should().HaveLength(20);
            if (!OperatingSystem.IsWindows())
                File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            logs.Messages.Should().Contain(m => m.Contains(file, StringComparison.Ordinal),
                "the log says where the password is")
                .And.NotContain(m => m.Contains(password, StringComparison.Ordinal), "and never what it is");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static HttpRequestMessage Get(string path, string from)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(ApiFactory.RemoteAddressHeader, from);
        return request;
    }

    private static HttpRequestMessage Post(string path, HttpContent? content, string header, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add(header, token);
        return request;
    }

    private static string Meta(string html, string name) =>
        System.Text.RegularExpressions.Regex.Match(html, $"<meta name=\"{name}\" content=\"([^\"]+)\"")
            .Groups[1].Value is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The dashboard page has no {name} meta tag.");
}
