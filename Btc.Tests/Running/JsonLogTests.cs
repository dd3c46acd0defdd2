using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Running;

/// <summary>
/// Logs for machines: with Logging__Console__FormatterName=json every line is one JSON object, a request's trace id is
/// on the database commands it ran, and no secret appears at any level.
/// </summary>
public sealed partial class JsonLogTests
{
    private const string CoinGeckoKey = "CG-never-in-a-log-7f3a";
    private const string DashboardPassword = "never-in-a-log-9c1e";

    private static readonly Dictionary<string, string> Json = new()
    {
        ["Logging__Console__FormatterName"] = "json",
        ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
        ["Logging__LogLevel__Default"] = "Trace",
        ["Logging__LogLevel__Microsoft"] = "Trace",
        ["Logging__LogLevel__System"] = "Trace",
        ["Logging__LogLevel__Hangfire"] = "Trace",
        ["Logging__LogLevel__Npgsql"] = "Trace",
    };

    [Fact]
    public async Task A_worker_polling_with_a_key_logs_JSON_lines_and_never_the_key()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        using var worker = ProgramOutput.Of(BuiltProgram.Start("Btc.Worker", new Dictionary<string, string>(Json)
        {
            ["ConnectionStrings__Btc"] = db.ConnectionString,
            ["CoinGecko__BaseUrl"] = coinGecko.ApiUrl.ToString(),
            ["CoinGecko__Plan"] = "Demo",
            ["COINGECKO_API_KEY"] = CoinGeckoKey,
        }));

        await Eventually.Until(
            () => Task.FromResult(worker.Text),
            text => text.Contains(" done in ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(90), "the worker's first cycle to be logged");

        Lines(worker.Text).Should().NotBeEmpty().And.OnlyContain(line => IsJsonObject(line),
            "every line is one JSON object");
        (worker.Text + worker.Errors).Should().NotContain(CoinGeckoKey);
    }

    [Fact]
    public async Task An_API_request_s_trace_id_is_on_its_database_commands_and_the_dashboard_password_is_never_logged()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        using var api = ProgramOutput.Of(BuiltProgram.Start("Btc.Api", new Dictionary<string, string>(Json)
        {
            ["ConnectionStrings__Btc"] = db.ConnectionString,
            ["Dashboard__Password"] = DashboardPassword,
        }, "--urls", "http://127.0.0.1:0"));
        var address = await Eventually.Until(() => Task.FromResult(ListeningOn().Match(api.Text)), m => m.Success,
            TimeSpan.FromSeconds(60), "the API to listen");
        using var http = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value) };

        var missing = await http.GetAsync("/stock/no-such-coin/usd");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var traceId = JsonDocument.Parse(await missing.Content.ReadAsStringAsync())
            .RootElement.GetProperty("traceId").GetString()!.Split('-')[1];
        using var dashboard = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        dashboard.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{DashboardPassword}")));
        (await http.SendAsync(dashboard)).StatusCode.Should().Be(HttpStatusCode.OK);

        // The coin lookup's query, logged by Npgsql inside the request's scope.
        await Eventually.Until(
            () => Task.FromResult(Lines(api.Text).Count(line => IsCommandOf(line, traceId))),
            n => n > 0,
            TimeSpan.FromSeconds(10), "a database command logged with the request's trace id");
        Lines(api.Text).Should().OnlyContain(line => IsJsonObject(line), "every line is one JSON object");
        (api.Text + api.Errors).Should().NotContain(DashboardPassword)
            .And.NotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{DashboardPassword}")));
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsJsonObject(string line)
    {
        try
        {
            return JsonDocument.Parse(line).RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsCommandOf(string line, string traceId) =>
        IsJsonObject(line)
        && JsonDocument.Parse(line).RootElement is var entry
        && entry.GetProperty("Category").GetString() == "Npgsql.Command"
        && entry.TryGetProperty("Scopes", out var scopes)
        && scopes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object
            && s.TryGetProperty("TraceId", out var id)
            && id.GetString() == traceId);

    [GeneratedRegex("Now listening on: (http://[0-9.:]+)")]
    private static partial Regex ListeningOn();
}
