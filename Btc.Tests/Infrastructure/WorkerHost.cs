using Btc.Hosting.Jobs;
using Btc.Worker.CoinGecko;
using Btc.Worker.Hosting;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Btc.Tests.Infrastructure;

/// <summary>A worker replica in the test process: the real host with a real Hangfire server.</summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private WorkerHost(IHost host) => Host = host;

    public IHost Host { get; }
    public IServiceProvider Services => Host.Services;

    public static Task<WorkerHost> StartAsync(
        string connectionString, Simulator coinGecko, params (string Key, string Value)[] settings) =>
        StartAsync(connectionString, coinGecko, null, settings);

    /// <summary>A replica whose log is kept in <paramref name="logs"/>.</summary>
    public static Task<WorkerHost> StartAsync(
        string connectionString, Simulator coinGecko, LogCapture? logs, params (string Key, string Value)[] settings) =>
        StartAsync(connectionString, coinGecko, logs, TimeProvider.System, settings);

    /// <summary>A replica whose clock (where a minute, a day or a month decides) is <paramref name="clock"/>.</summary>
    public static async Task<WorkerHost> StartAsync(string connectionString, Simulator coinGecko, LogCapture? logs,
        TimeProvider clock, params (string Key, string Value)[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = "Testing",
            DisableDefaults = true,
        });
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Btc"] = connectionString,
            ["CoinGecko:BaseUrl"] = coinGecko.ApiUrl.ToString(),
            ["CoinGecko:CallsPerMinute"] = "10000",
            ["CoinGecko:TimeoutSeconds"] = "2",
            // Cycles run when a test triggers them, unless a test sets a schedule.
            ["Polling:Cron"] = "0 0 1 1 *",
            ["Polling:PollOnStart"] = "false",
            // A new install's first day would be filled within the minute and show in every series: tests of it say so.
            ["Backfill:OnFirstStart"] = "false",
        };
        foreach (var (key, value) in settings)
            values[key] = value;
        builder.Configuration.AddInMemoryCollection(values);
        builder.Logging.ClearProviders();
        // BTC_TEST_LOGS=1 shows the worker's log when a test needs looking into.
        if (Environment.GetEnvironmentVariable("BTC_TEST_LOGS") == "1")
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        builder.AddBtcWorker();
        builder.Services.AddSingleton(clock);
        var host = builder.Build();
        await host.StartAsync();
        return new WorkerHost(host);
    }

    /// <summary>What the dashboard's "Trigger now" does.</summary>
    public string? TriggerCycle() =>
        ((IRecurringJobManagerV2)Services.GetRequiredService<IRecurringJobManager>())
        .TriggerJob(RecurringJobIds.PollCycle);


    /// <summary>One run of the recurring backfill job on this replica, as its schedule would start it.</summary>
    public Task RunBackfillAsync() => Services.GetRequiredService<IBackfillJob>().RunAsync(CancellationToken.None);

    /// <summary>
    /// Cycles in tests come seconds apart rather than a minute: after CoinGecko failed, the next waits, as a minute
    /// would, until the client's circuit lets calls through again.
    /// </summary>
    public Task WaitForCircuitClosedAsync() => Eventually.Until(
        () => Task.FromResult(Services.GetRequiredService<CoinGeckoCircuit>().IsOpen), open => !open,
        TimeSpan.FromSeconds(60), "the CoinGecko circuit to let calls through");

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}
