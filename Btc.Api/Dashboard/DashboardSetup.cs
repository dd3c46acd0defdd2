using Btc.Hosting.Startup;
using Btc.Data;
using Btc.Hosting.Scheduling;
using Btc.Data.Backfill;
using Btc.Data.Dashboard;
using Btc.Api.Replicas;
using Hangfire;
using Hangfire.Dashboard;
using Npgsql;

namespace Btc.Api.Dashboard;

public static class DashboardSetup
{
    /// <summary>
    /// Gap filling's progress in the dashboard's menu, beside Hangfire's own counters; it links to the recurring jobs.
    /// </summary>
    private static readonly Func<RazorPage, MenuItem> BackfillMenu = page =>
        new MenuItem("Backfill", page.Url.To("/recurring")) { Metric = BackfillMetric };

    private static readonly DashboardMetric BackfillMetric = new("btc:backfill", "Backfill", page =>
    {
        var services = ((AspNetCoreDashboardContext)page.Context).HttpContext.RequestServices;
        try
        {
            // Hangfire asks its metrics synchronously, as it does its own.
            var progress = services.GetRequiredService<BackfillStore>().ProgressAsync().GetAwaiter().GetResult();
            return progress.Tasks == 0
                ? new Metric("done") { Style = MetricStyle.Default }
                : new Metric(progress.Brief(services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime))
                {
                    Style = MetricStyle.Info,
                };
        }
        catch (NpgsqlException)
        {
            // The dashboard's own pages say the database is away; the menu still renders.
            return new Metric("?") { Style = MetricStyle.Warning };
        }
    });

    /// <summary>Hangfire on the workers' storage, for the dashboard only: the API runs no Hangfire server.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.BindValidated<DashboardOptions>(DashboardOptions.Section);
        services.AddSingleton<DashboardPassword>();
        services.AddSingleton(provider => new DashboardPasswordStore(
            provider.GetRequiredKeyedService<NpgsqlDataSource>(ReplicaSetup.Coordination)));
        services.AddHostedService<SharedPassword>();
        services.AddSingleton<DashboardAccessFilter>();
        // With it registered, the dashboard checks a token on every action it posts (delete, requeue, trigger), so a
        // page on another origin cannot make a signed-in browser press its buttons.
        services.AddAntiforgery();
        var connectionString = ConnectionStrings.Primary(configuration);
        services.AddSingleton(_ => HangfireStorage.Create(connectionString));
        services.AddHangfire((provider, hangfire) => hangfire.UseBtcSettings(provider));
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        // Hangfire's menu and metrics are process-wide: added once, the metric read through each request's services
        // (registered too, so that the page's periodic refresh updates it).
        DashboardMetrics.AddMetric(BackfillMetric);
        lock (NavigationMenu.Items)
        {
            if (!NavigationMenu.Items.Contains(BackfillMenu))
                NavigationMenu.Items.Add(BackfillMenu);
        }
        app.MapHangfireDashboard("/hangfire", new Hangfire.DashboardOptions
        {
            Authorization = [app.Services.GetRequiredService<DashboardAccessFilter>()],
            DashboardTitle = "BTC jobs",
            AppPath = "/",
        });
        return app;
    }
}
