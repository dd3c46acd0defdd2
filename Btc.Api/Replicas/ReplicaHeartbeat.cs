using Btc.Api.Live;
using Btc.Data.Freshness;
using Btc.Data.Replicas;

namespace Btc.Api.Replicas;

/// <summary>
/// Every <see cref="Every"/>, writes this replica's heartbeat (its open streams per client) and reads the live
/// replicas into <see cref="ReplicaView"/>; hears the others' stream counts between heartbeats. A replica killed
/// without a word drops out of the others' count within <see cref="LiveFor"/> plus a heartbeat; one that stops
/// says goodbye.
/// </summary>
public sealed class ReplicaHeartbeat(
    ReplicaRegistry registry, ReplicaView view, StreamLimits streams, DataChanges changes,
    ILogger<ReplicaHeartbeat> log) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    /// <summary>Three heartbeats missed: a replica slow on a loaded machine is not taken for gone.</summary>
    public static readonly TimeSpan LiveFor = TimeSpan.FromSeconds(8);

    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        changes.StreamsNoticed += Noticed;
        using var timer = new PeriodicTimer(Every);
        try
        {
            do
                await BeatAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            changes.StreamsNoticed -= Noticed;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await registry.LeaveAsync(view.Self, cancellationToken);
        }
        catch (Exception e)
        {
            // Its row goes stale within seconds instead.
            log.LogInformation("The replica registry was not told that this replica stops: {Reason}", e.Message);
        }
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        try
        {
            var (counts, version) = streams.Snapshot();
            view.Read(await registry.BeatAsync(new ReplicaBeat(view.Self, counts, version), LiveFor, ct));
            if (_failing)
                log.LogInformation("The replica registry answers again: limits hold across {Replicas} replicas",
                    view.Count);
            _failing = false;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            view.Unread();
            if (!_failing)
                log.LogWarning(
                    "The replica registry cannot be reached ({Reason}); past {Seconds} s this replica's limits are " +
                    "its own", e.Message, LiveFor.TotalSeconds);
            _failing = true;
        }
    }

    private void Noticed(string payload)
    {
        if (StreamNotice.Parse(payload) is { } notice)
            view.Noticed(notice);
    }
}
