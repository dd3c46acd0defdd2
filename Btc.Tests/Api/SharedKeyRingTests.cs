using System.Net;
using System.Text.RegularExpressions;
using Btc.Hosting.Jobs;
using Btc.Hosting.Scheduling;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;
using Dapper;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Npgsql;

namespace Btc.Tests.Api;

/// <summary>
/// API processes of their own on one database share the Data Protection key ring: the dashboard's antiforgery token
/// and cookie one replica issued are accepted by another, and by replicas started after all of them stopped.
/// </summary>
public sealed partial class SharedKeyRingTests
{
    [Fact]
    public async Task A_dashboard_token_one_replica_issued_presses_the_buttons_of_another_and_survives_a_restart()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var storage = HangfireStorage.Create(db.ConnectionString);
        var jobs = new BackgroundJobClient(storage);
        var first = jobs.Schedule<ISyncCurrenciesJob>(j => j.RunAsync(CancellationToken.None), TimeSpan.FromDays(1));
        var second = jobs.Schedule<ISyncCurrenciesJob>(j => j.RunAsync(CancellationToken.None), TimeSpan.FromDays(1));
        new RecurringJobManager(storage).AddOrUpdate<ISyncCurrenciesJob>(
            RecurringJobIds.SyncCurrencies, j => j.RunAsync(CancellationToken.None), Cron.Yearly());

        Issued issued;
        var both = await Task.WhenAll(ApiProcess.StartAsync(db.ConnectionString),
            ApiProcess.StartAsync(db.ConnectionString));
        using (var a = both[0])
        using (var b = both[1])
        {
            (await KeyRingAsync(db)).Should().ContainSingle("replicas starting together make one first key");
            issued = await DashboardPageAsync(a);

            (await PostAsync(b, $"/hangfire/jobs/actions/requeue/{first}", issued with { Token = "" }))
                .Should().Be(HttpStatusCode.Forbidden, "the check is on: a post without the token is refused");
            (await PostAsync(b, $"/hangfire/jobs/actions/requeue/{first}", issued))
                .Should().Be(HttpStatusCode.NoContent, "replica B accepts what replica A issued");
            State(storage, first).Should().Be(EnqueuedState.StateName);
            (await PostAsync(b, "/hangfire/recurring/trigger", issued,
                    new FormUrlEncodedContent([new("jobs[]", RecurringJobIds.SyncCurrencies)])))
                .Should().Be(HttpStatusCode.NoContent);
            using var connection = storage.GetConnection();
            connection.GetRecurringJobs([RecurringJobIds.SyncCurrencies])[0].LastJobId
                .Should().NotBeNull("Trigger now enqueued the recurring job");
        }

        using var restarted = await ApiProcess.StartAsync(db.ConnectionString);
        (await PostAsync(restarted, $"/hangfire/jobs/actions/requeue/{second}", issued))
            .Should().Be(HttpStatusCode.NoContent, "the keys outlive every replica");
        State(storage, second).Should().Be(EnqueuedState.StateName);
        var master = MasterKey().Match((await KeyRingAsync(db))[0]).Groups[1].Value;
        master.Should().NotBeEmpty();
        (restarted.Output.Text + restarted.Output.Errors).Should().NotContain(master, "keys are never logged");
    }

    /// <summary>What a dashboard page gives a browser: its antiforgery cookie, and the token for the header.</summary>
    private sealed record Issued(string Cookie, string Header, string Token);

    private static async Task<Issued> DashboardPageAsync(ApiProcess api)
    {
        using var http = Client(api);
        using var page = await http.GetAsync("/hangfire");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        var cookie = page.Headers.GetValues("Set-Cookie")
            .Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Split(';')[0];
        return new Issued(cookie, Meta(html, "csrf-header"), Meta(html, "csrf-token"));
    }

    private static async Task<HttpStatusCode> PostAsync(
        ApiProcess api, string path, Issued issued, HttpContent? content = null)
    {
        using var http = Client(api);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("Cookie", issued.Cookie);
        if (issued.Token.Length > 0)
            request.Headers.Add(issued.Header, issued.Token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    // Cookies sent by hand, as a browser would to whichever replica the balancer picks.
    private static HttpClient Client(ApiProcess api) =>
        new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = api.Http.BaseAddress };

    private static string State(JobStorage storage, string jobId) =>
        storage.GetMonitoringApi().JobDetails(jobId).History[0].StateName;

    private static async Task<List<string>> KeyRingAsync(DatabaseFixture db)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        return (await connection.QueryAsync<string>("SELECT xml FROM data_protection_key")).AsList();
    }

    private static string Meta(string html, string name) =>
        Regex.Match(html, $"<meta name=\"{name}\" content=\"([^\"]+)\"").Groups[1].Value is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The dashboard page has no {name} meta tag.");

    [GeneratedRegex("<value>([^<]+)</value>")]
    private static partial Regex MasterKey();
}
