using System.Diagnostics.Metrics;
using Btc.Api.Replicas;
using Btc.Hosting.Telemetry;
using Hangfire;

namespace Btc.Api.Telemetry;

/// <summary>
/// Hangfire's jobs by state, read from its storage when scraped. Exported by the API, not the workers; every API
/// replica reports the same counts of the one storage, so graphs and alerts take the max by state, never the sum: no
/// replica is special, and the counts stay while any replica is up (docs/metrics.md).
/// And the live API replicas this one sees.
/// </summary>
public sealed class ApiGauges(BtcMetrics metrics, JobStorage storage, ReplicaView replicas) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableGauge(
            "btc.hangfire.jobs", Jobs,
            description: "Hangfire jobs by state (enqueued, scheduled, processing, failed, succeeded).");
        metrics.Meter.CreateObservableGauge(
            "btc.api.replicas", () => replicas.Count,
            description: "Live API replicas this one sees (itself included), which share each client's limits.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<long>> Jobs()
    {
        var stats = storage.GetMonitoringApi().GetStatistics();
        return
        [
            new(stats.Enqueued, State("enqueued")),
            new(stats.Scheduled, State("scheduled")),
            new(stats.Processing, State("processing")),
            new(stats.Failed, State("failed")),
            new(stats.Succeeded, State("succeeded")),
        ];
    }

    private static KeyValuePair<string, object?> State(string state) => new("state", state);
}
