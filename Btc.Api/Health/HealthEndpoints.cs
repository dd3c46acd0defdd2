using Btc.Hosting.Startup;
using System.Text.Json;
using Btc.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Btc.Api.Health;

public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [ReadyTag])
            .AddCheck<DrainingCheck>("stopping", tags: [ReadyTag]);
        if (ConnectionStrings.ReadOnly(configuration) is not null)
            checks.AddCheck<ReplicaLagCheck>("replica", tags: [ReadyTag]);
        return services;
    }

    /// <summary>
    /// /health/live: the process answers. /health/ready: the database (the replica the API reads, when set) answers
    /// with the right schema and the API is not stopping; the body says so per check, the replica's lag included.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(
            "/health/ready",
            new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        }, JsonSerializerOptions.Web));
    }
}
