using Btc.Hosting.Telemetry;
using Btc.Worker.Telemetry;
using OpenTelemetry.Metrics;
using Btc.Hosting.Startup;
using Btc.Data;
using Btc.Hosting.Scheduling;
using Btc.Hosting.Jobs;
using Btc.Worker.Backfill;
using Btc.Worker.Budget;
using Btc.Worker.CoinGecko;
using Btc.Worker.History;
using Btc.Worker.Hosting;
using Btc.Worker.Polling;
using Hangfire;
using Btc.Worker.Volatility;
using Btc.Worker.Currencies;

namespace Btc.Worker.Hosting;

public static class WorkerSetup
{
    /// <summary>Everything a worker replica runs: the CoinGecko client, the jobs and a Hangfire server.</summary>
    public static HostApplicationBuilder AddBtcWorker(this HostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddSingleton(TimeProvider.System);
        var telemetry = services.AddBtcTelemetry(configuration, "btc-worker");
        // Worker__MetricsPort: Prometheus text at http://<host>:<port>/metrics (compose scrapes every replica there).
        if (configuration.GetValue<int?>("Worker:MetricsPort") is { } port)
        {
            telemetry.WithMetrics(metrics => metrics.AddPrometheusExporter());
            services.AddHostedService(provider => new MetricsEndpoint(port,
                provider.GetRequiredService<MeterProvider>(), provider.GetRequiredService<ILogger<MetricsEndpoint>>()));
        }
        services.AddHostedService<WorkerGauges>();
        var connectionString = ConnectionStrings.Primary(configuration);
        services.AddBtcData(connectionString);
        services.AddCoinGecko(configuration);
        services.BindValidated<PollingOptions>(PollingOptions.Section);
        services.BindValidated<RetentionOptions>(RetentionOptions.Section);
        services.BindValidated<BackfillOptions>(BackfillOptions.Section);
        services.AddSingleton<BudgetPlanner>();

        services.AddTransient<IPollCycleJob, PollCycleJob>();
        services.AddTransient<IPricePageJob, PricePageJob>();
        services.AddTransient<ISyncCurrenciesJob, SyncCurrenciesJob>();
        services.AddTransient<IPartitionMaintenanceJob, PartitionMaintenanceJob>();
        services.AddTransient<IVolatilityRanksJob, VolatilityRanksJob>();
        services.AddTransient<ISeriesCompactionJob, SeriesCompactionJob>();
        services.AddTransient<IBarRollupJob, BarRollupJob>();
        services.AddTransient<IBackfillJob, BackfillJob>();

        services.AddSingleton(_ => HangfireStorage.Create(connectionString));
        services.AddSingleton(JobPolicies.WithHangfireDefaults());
        services.AddHangfire((provider, hangfire) => hangfire.UseBtcSettings(provider));
        services.AddHostedService<HangfireServer>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        services.AddHostedService<RecurringJobsRegistration>();
        services.AddHostedService<HeartbeatFile>();
        return builder;
    }
}
