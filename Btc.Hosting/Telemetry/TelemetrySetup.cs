using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Btc.Hosting.Telemetry;

public static class TelemetrySetup
{
    /// <summary>
    /// OpenTelemetry for a service: BTC's meter, Npgsql's, HttpClient's and the runtime's; each service adds its
    /// exporter (Prometheus text at /metrics) and its own instrumentation. With OTEL_EXPORTER_OTLP_ENDPOINT set,
    /// metrics and traces (HTTP and database calls) also go there by OTLP.
    /// </summary>
    public static OpenTelemetryBuilder AddBtcTelemetry(
        this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        services.AddSingleton<BtcMetrics>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(BtcMetrics.MeterName, "Npgsql")
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing.AddHttpClientInstrumentation().AddNpgsql());
            telemetry.UseOtlpExporter();
        }
        return telemetry;
    }
}
