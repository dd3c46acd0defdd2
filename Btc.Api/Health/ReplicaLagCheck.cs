using Btc.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Btc.Api.Health;

/// <summary>
/// With ConnectionStrings__BtcReadOnly, how far behind the primary the replica the API reads is: degraded (still
/// ready: its answers are only older) past a minute, or when the connection string names no replica.
/// </summary>
public sealed class ReplicaLagCheck(NpgsqlDataSource db) : IHealthCheck
{
    private const double TooFarBehindSeconds = 60;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var lag = await ReplicaLag.ReadAsync(db, ct);
            var data = new Dictionary<string, object> { ["lagSeconds"] = Math.Round(lag.Seconds, 3) };
            if (!lag.IsReplica)
                return HealthCheckResult.Degraded(
                    "ConnectionStrings__BtcReadOnly names a primary, not a replica.", data: data);
            var description = $"Reads from a replica {lag.Seconds:0.###} s behind the primary.";
            return lag.Seconds > TooFarBehindSeconds ? HealthCheckResult.Degraded(description, data: data)
                : HealthCheckResult.Healthy(description, data);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The replica cannot be reached.", e);
        }
    }
}
