using System.Text.Json;
using System.Net.Http.Json;
using CoinGecko.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Infrastructure;

/// <summary>The CoinGecko simulator on a free loopback port, spoken to over real HTTP.</summary>
public sealed class Simulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Simulator(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = baseUrl };
    }

    public Uri BaseUrl { get; }
    public Uri ApiUrl => new(BaseUrl, "/api/v3");
    public HttpClient Client { get; }
    public Market Market => _app.Services.GetRequiredService<Market>();

    public static async Task<Simulator> StartAsync(int coins, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", $"--Simulator:Coins={coins}", "--Logging:LogLevel:Default=Warning",
            .. settings.Select(s => $"--Simulator:{s}"),
        ];
        var app = SimulatorApp.Build(args);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var simulator = new Simulator(app, new Uri(address));
        await simulator.PostAsync("/sim/clock/freeze");
        return simulator;
    }

    /// <summary>Prices move with real time, as CoinGecko's do: for tests of what happens over minutes.</summary>
    public Task RunClockAsync() => PostAsync("/sim/clock/run");

    public Task AdvanceAsync(int minutes) => PostAsync($"/sim/clock/advance?minutes={minutes}");
    public Task SetRateLimitAsync(int callsPerMinute) => PostAsync($"/sim/rate-limit?callsPerMinute={callsPerMinute}");
    public Task AddCurrencyAsync(string code) => PostAsync($"/sim/currencies/{code}");

    public async Task AddFaultAsync(Fault fault) =>
        (await Client.PostAsJsonAsync("/sim/faults", fault, SimulatorJson.Options)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await Client.DeleteAsync("/sim/faults")).EnsureSuccessStatusCode();

    public async Task<IReadOnlyList<SimulatorCall>> CallsAsync() =>
        (await Client.GetFromJsonAsync<List<SimulatorCall>>("/sim/calls"))!;

    /// <summary>One coin's market_chart/range prices in one currency over [from, to] (unix seconds).</summary>
    public async Task<SortedDictionary<long, double>> ChartAsync(string id, string currency, long from, long to)
    {
        var chart = await Client.GetFromJsonAsync<JsonElement>(
            $"/api/v3/coins/{Uri.EscapeDataString(id)}/market_chart/range?vs_currency={currency}&from={from}&to={to}");
        return new SortedDictionary<long, double>(chart.GetProperty("prices").EnumerateArray()
            .ToDictionary(p => (long)(p[0].GetDouble() / 1000), p => p[1].GetDouble()));
    }

    private async Task PostAsync(string path) => (await Client.PostAsync(path, null)).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}

public sealed record SimulatorCall(DateTimeOffset At, string Path);

internal static class SimulatorJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(
        System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
