using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Metrics;

namespace Btc.Worker.Telemetry;

/// <summary>
/// Prometheus text at http://*:Worker__MetricsPort/metrics: a Kestrel server of its own in the worker, serving the
/// worker's meter provider through OpenTelemetry's ASP.NET Core exporter (its HttpListener exporter is meant for
/// development only). Nothing else is served there.
/// </summary>
public sealed class MetricsEndpoint(int port, MeterProvider meters, ILogger<MetricsEndpoint> log)
    : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));
        _app = builder.Build();
        _app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, null, "/metrics", null, null);
        await _app.StartAsync(cancellationToken);
        log.LogInformation("Metrics at http://*:{Port}/metrics", port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
            await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
