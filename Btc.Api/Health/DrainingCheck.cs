using Btc.Api.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Btc.Api.Health;

/// <summary>Not ready once the API is stopping: balancers take it out while it still serves (<see cref="Drain"/>).
/// </summary>
public sealed class DrainingCheck(Drain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(drain.Draining
            ? HealthCheckResult.Unhealthy("The API is stopping: it serves until the drain ends, then stops.")
            : HealthCheckResult.Healthy("Serving."));
}
