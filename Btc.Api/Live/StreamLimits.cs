using Btc.Api.Replicas;
using Btc.Data.Replicas;
using Microsoft.Extensions.Options;

namespace Btc.Api.Live;

/// <summary>What asking to open a stream came to.</summary>
public enum Admission
{
    Admitted,
    ClientAtCap,
    ProcessAtCap,
}

/// <summary>
/// Counts the streams open against <see cref="LiveOptions.MaxStreams"/> (this process's) and
/// <see cref="LiveOptions.MaxStreamsPerClient"/>, which holds across the replicas: a client's streams here plus those
/// the other live replicas last said it holds. A share per replica would not do: a client's streams land unevenly.
/// Each open and close is said to the others at once (<see cref="ReplicaRegistry.NotifyAsync"/>: one NOTIFY, no read);
/// an open waits for it to leave (at most <see cref="PublishWait"/>), so opens one after another through a balancer
/// see each other. Opens on different replicas within the same few milliseconds (a notice's way) do not: each
/// replica may fill what it believes are the client's free places, so parallel opens can pass the cap by the opens
/// admitted elsewhere in that moment, at worst the replicas' number times the cap; no open is admitted after until
/// the client is back under it.
/// </summary>
public sealed class StreamLimits(
    IOptions<LiveOptions> options, ReplicaView replicas, ReplicaRegistry registry, ILogger<StreamLimits> log)
{
    /// <summary>How long an open waits for its notice: the database away must not hold streams up.</summary>
    public static readonly TimeSpan PublishWait = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, int> _perClient = [];
    private int _total;
    private long _version;

    /// <summary>Takes a place for <paramref name="client"/>'s stream unless a cap is reached.</summary>
    public async Task<Admission> TryOpenAsync(string client)
    {
        StreamNotice notice;
        lock (_perClient)
        {
            var mine = _perClient.GetValueOrDefault(client);
            if (mine + replicas.OthersStreams(client) >= options.Value.MaxStreamsPerClient)
                return Admission.ClientAtCap;
            if (_total >= options.Value.MaxStreams)
                return Admission.ProcessAtCap;
            _perClient[client] = mine + 1;
            _total++;
            notice = new StreamNotice(replicas.Self, client, mine + 1, ++_version);
        }
        await PublishAsync(notice);
        return Admission.Admitted;
    }

    /// <summary>Gives back the place <see cref="TryOpenAsync"/> took.</summary>
    public void Close(string client)
    {
        StreamNotice notice;
        lock (_perClient)
        {
            _total--;
            var left = --_perClient[client];
            if (left == 0)
                _perClient.Remove(client);
            notice = new StreamNotice(replicas.Self, client, left, ++_version);
        }
        // Nobody waits: until the others hear it they count one stream too many, which errs on the safe side.
        _ = PublishAsync(notice);
    }

    /// <summary>The open streams per client and the change number they are as of, for the heartbeat.</summary>
    public (IReadOnlyDictionary<string, int> Counts, long Version) Snapshot()
    {
        lock (_perClient)
            return (new Dictionary<string, int>(_perClient), _version);
    }

    private async Task PublishAsync(StreamNotice notice)
    {
        // Alone (the database away, or a single replica), nobody would hear it.
        if (!replicas.Connected || replicas.Count == 1)
            return;
        using var wait = new CancellationTokenSource(PublishWait);
        try
        {
            await registry.NotifyAsync(notice, wait.Token);
        }
        catch (Exception e)
        {
            // The next heartbeat carries the count.
            log.LogDebug("A stream count was not noticed to the other replicas: {Reason}", e.Message);
        }
    }
}
