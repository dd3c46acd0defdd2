using Btc.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Btc.Api.Health;

/// <summary>Ready when the database answers and carries the migrations this build needs.</summary>
public sealed class DatabaseReadyCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var version = await SchemaVersion.AppliedAsync(db, ct);
            return version >= SchemaVersion.Required
                ? HealthCheckResult.Healthy($"Schema version {version}.")
                : HealthCheckResult.Unhealthy(
                    $"Schema version {version?.ToString() ?? "none"}; {SchemaVersion.Required} needed: run " +
                    "Btc.Migrations.");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be reached.", e);
        }
    }
}
