using Btc.Api.Telemetry;
using Btc.Hosting.Telemetry;
using OpenTelemetry.Metrics;
using Btc.Hosting.Startup;
using Btc.Api.Budget;
using Btc.Api.Coins;
using Btc.Api.Currencies;
using Btc.Api.Volatility;
using Btc.Api.Cycles;
using Btc.Api.Access;
using Btc.Api.Dashboard;
using Btc.Api.Health;
using Btc.Api.Live;
using Btc.Api.Page;
using Btc.Api.Replicas;
using Btc.Api.Stocks;
using Btc.Api.Warmup;
using Btc.Data;
using Btc.Data.Freshness;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.HttpOverrides;
using Scalar.AspNetCore;

namespace Btc.Api.Hosting;

public static class ApiSetup
{
    public static WebApplicationBuilder AddBtcApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddBtcTelemetry(builder.Configuration, "btc-api")
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation()
                // No cached scrape (300 ms by default): a scrape right after requests counts them, which the
                // replicas' tests rely on; Prometheus scrapes every 15 s, so the cache saved nothing.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddHostedService<ApiGauges>();
        // Reads go to the replica when one is named; the notices, the dashboard and the key command use the primary.
        services.AddBtcData(
            ConnectionStrings.ReadOnly(builder.Configuration) ?? ConnectionStrings.Primary(builder.Configuration));
        // Bounded: serialized series of many coins and currencies must not grow without limit.
        services.AddMemoryCache(cache => cache.SizeLimit = 256L * 1024 * 1024);
        services.AddSingleton(provider => new DataChanges(
            ConnectionStrings.Primary(builder.Configuration), provider.GetRequiredService<ILogger<DataChanges>>()));
        services.AddHostedService(provider => provider.GetRequiredService<DataChanges>());
        services.AddReplicas(builder.Configuration);
        services.AddSingleton<ServedDataCache>();
        services.AddSingleton<StockLookup>();
        services.AddSingleton<CoinSearch>();
        services.AddLive();
        services.BindValidated<ProxyOptions>(ProxyOptions.Section);
        services.AddDrain();
        services.AddProblemDetails();
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        services.AddRequestDeadline();
        services.BindValidated<AccessOptions>(AccessOptions.Section);
        services.AddSingleton<ApiKeyCache>();
        services.AddRateLimits();
        services.AddOpenApi();
        services.AddHealth(builder.Configuration);
        services.AddWarmup();
        services.AddDashboard(builder.Configuration);
        services.AddPage();
        return builder;
    }

    public static WebApplication UseBtcApi(this WebApplication app)
    {
        var proxies = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.Networks();

        if (proxies.Count > 0)
        {
            // Only the proxies the operator names are believed; the defaults would believe any loopback sender.
            var forwarded = new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            };
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in proxies)
                forwarded.KnownIPNetworks.Add(proxy);
            app.UseForwardedHeaders(forwarded);
        }
        app.UseDrain();
        app.UseHeadAsGet();
        // Routing after it, so that HEAD finds the GET endpoints (left implicit, it would run first).
        app.UseRouting();

        // Anything unforeseen becomes a problem details body, never a stack trace.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestTimeouts();
        app.UsePage();
        app.UseApiKeys();
        app.UseRateLimiter();

        app.MapOpenApi();
        app.MapScalarApiReference("/docs");
        app.MapStocks();
        app.MapCoins();
        app.MapVolatility();
        app.MapCurrencies();
        app.MapLive();
        app.MapCycles();
        // Prometheus text; no key and no rate limit (OpenPaths), like health.
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapBudget();
        app.MapHealth();
        app.MapDashboard();
        app.MapPage();
        return app;
    }
}
