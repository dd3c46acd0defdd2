using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Btc.Api.Warmup;

/// <summary>
/// Not ready until the warm-up has served its reads (or given up): a balancer sends a new replica its first users
/// only once they would not wait for its first compilations and queries.
/// </summary>
public sealed class WarmupCheck(WarmupRun run) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(run.Finished
            ? HealthCheckResult.Healthy(run.Outcome)
            : HealthCheckResult.Unhealthy("Warming up: serving the most asked reads once before taking users."));
}
