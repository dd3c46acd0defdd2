using System.Net;
using System.Text.Json;
using Btc.Api.Access;
using Btc.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Btc.Tests.Api;

/// <summary>API keys (off by default) and the per-client rate limit.</summary>
public sealed class AccessTests
{
    [Fact]
    public async Task With_keys_required_only_an_active_key_gets_in_and_a_revoked_one_is_refused_once_the_API_hears()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System, ("Api:RequireKey", "true"));
        using var http = api.CreateClient();

        var none = await http.GetAsync("/stock");
        await AssertProblemAsync(none, HttpStatusCode.Unauthorized, "API key required");
        using var plain = new HttpRequestMessage(HttpMethod.Get, "/stock") { Headers = { { "Accept", "text/plain" } } };
        (await http.SendAsync(plain)).StatusCode.Should().Be(HttpStatusCode.Unauthorized,
            "a client that takes no JSON still gets the 401, as text");
        foreach (var path in new[] { "/coins?search=a", "/volatility", "/currencies" })
            await AssertProblemAsync(await http.GetAsync(path), HttpStatusCode.Unauthorized, "API key required");
        (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK, "health needs no key");
        (await http.GetAsync("/openapi/v1.json")).StatusCode.Should().Be(HttpStatusCode.OK, "nor do the docs");

        var (created, output, _) = await KeysAsync(db, "create", "dashboard-team");
        created.Should().Be(0);
        var secret = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        secret.Should().StartWith("btc_").And.HaveLength(47);
        (await GetWithKeyAsync(http, "/stock", secret)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await GetWithKeyAsync(http, "/currencies", secret)).StatusCode.Should().Be(HttpStatusCode.OK);
        await AssertProblemAsync(await GetWithKeyAsync(http, "/stock", secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A')),
            HttpStatusCode.Unauthorized, "Unknown or revoked API key");

        (await KeysAsync(db, "revoke", "dashboard-team")).Exit.Should().Be(0);
        // The revocation's notice reaches the API within milliseconds;
        // without notices, its key list is 10 s old at most.
        var refused = await Eventually.Until(
            () => GetWithKeyAsync(http, "/stock", secret),
            r => r.StatusCode != HttpStatusCode.OK,
            TimeSpan.FromSeconds(12), "the revoked key refused");
        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "Unknown or revoked API key");
        var (_, list, _) = await KeysAsync(db, "list");
        list.Should().Contain(secret[..12]).And.Contain("dashboard-team").And.Contain("revoked").And.NotContain(secret);
    }

    [Fact]
    public async Task Keys_from_the_command_line_say_what_went_wrong_in_one_sentence()
    {
        await using var db = await DatabaseFixture.CreateAsync();

        (await KeysAsync(db, "create", "twice")).Exit.Should().Be(0);
        var again = await KeysAsync(db, "create", "twice");
        (again.Exit, again.Errors.Trim())
            .Should().Be((1, "An active key is already named 'twice': revoke it first or choose another name."));
        var unknown = await KeysAsync(db, "revoke", "nobody");
        (unknown.Exit, unknown.Errors.Trim())
            .Should().Be((1, "No active key is named 'nobody' or starts with it; 'keys list' shows them."));
        var usage = await KeysAsync(db, "frobnicate");
        (usage.Exit, usage.Errors.Trim())
            .Should().Be((2, "Usage: keys create NAME | keys list | keys revoke NAME_OR_PREFIX"));
    }

    [Fact]
    public async Task The_real_command_line_creates_a_key_the_API_then_accepts()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        using var process = BuiltProgram.Start(
            "Btc.Api",
            new Dictionary<string, string> { ["ConnectionStrings__Btc"] = db.ConnectionString },
            "keys",
            "create",
            "cli");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        process.ExitCode.Should().Be(0, await process.StandardError.ReadToEndAsync());
        var secret = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System, ("Api:RequireKey", "true"));
        (await GetWithKeyAsync(api.CreateClient(), "/stock", secret)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_Retry_After_while_other_clients_and_health_go_on()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var api = new ApiFactory(
            db.ConnectionString,
            TimeProvider.System,
            ("Api:RequestsPerSecond", "1"),
            ("Api:Burst", "3"));
        using var http = api.CreateClient();

        for (var i = 0; i < 3; i++)
            (await FromAsync(http, "/stock", "203.0.113.7")).StatusCode.Should().Be(HttpStatusCode.OK,
                "a burst of 3 is allowed");
        var refused = await FromAsync(http, "/stock", "203.0.113.7");

        await AssertProblemAsync(refused, (HttpStatusCode)429, "Too many requests");
        refused.Headers.RetryAfter!.Delta!.Value.Should()
            .BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(2));
        (await FromAsync(http, "/stock", "203.0.113.8")).StatusCode.Should().Be(HttpStatusCode.OK,
            "another client has its own bucket");
        (await FromAsync(http, "/health/ready", "203.0.113.7")).StatusCode.Should().Be(HttpStatusCode.OK,
            "health is never limited");
    }

    [Fact]
    public async Task With_keys_each_key_has_its_own_rate_whatever_address_it_comes_from()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var api = new ApiFactory(
            db.ConnectionString,
            TimeProvider.System,
            ("Api:RequireKey", "true"),
            ("Api:RequestsPerSecond", "1"),
            ("Api:Burst", "2"));
        using var http = api.CreateClient();
        var first = (await KeysAsync(db, "create", "first"))
            .Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        var second = (await KeysAsync(db, "create", "second"))
            .Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();

        (await GetWithKeyAsync(http, "/stock", first)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await GetWithKeyAsync(http, "/stock", first)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await GetWithKeyAsync(http, "/stock", first)).StatusCode.Should().Be((HttpStatusCode)429);
        (await GetWithKeyAsync(http, "/stock", second)).StatusCode.Should().Be(HttpStatusCode.OK,
            "the same address, another key");
    }

    private static async Task<(int Exit, string Output, string Errors)> KeysAsync(
        DatabaseFixture db,
        params string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Btc"] = db.ConnectionString })
            .Build();
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await KeysCommand.RunAsync(args, configuration, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    private static Task<HttpResponseMessage> GetWithKeyAsync(HttpClient http, string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(ApiKeyCheck.Header, key);
        return http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> FromAsync(HttpClient http, string path, string address)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(ApiFactory.RemoteAddressHeader, address);
        return http.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync())
            .RootElement.GetProperty("title").GetString().Should().Be(title);
    }
}
