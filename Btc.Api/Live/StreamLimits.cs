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
/// Counts the streams open, per client and in all, against <see cref="LiveOptions.MaxStreamsPerClient"/> and
/// <see cref="LiveOptions.MaxStreams"/>. Per process, like the rate limit.
/// </summary>
public sealed class StreamLimits(IOptions<LiveOptions> options)
{
    private readonly Dictionary<string, int> _perClient = [];
    private int _total;

    /// <summary>Takes a place for <paramref name="client"/>'s stream unless a cap is reached.</summary>
    public Admission TryOpen(string client)
    {
        lock (_perClient)
        {
            var mine = _perClient.GetValueOrDefault(client);
            if (mine >= options.Value.MaxStreamsPerClient)
                return Admission.ClientAtCap;
            if (_total >= options.Value.MaxStreams)
                return Admission.ProcessAtCap;
            _perClient[client] = mine + 1;
            _total++;
            return Admission.Admitted;
        }
    }

    /// <summary>Gives back the place <see cref="TryOpen"/> took.</summary>
    public void Close(string client)
    {
        lock (_perClient)
        {
            _total--;
            if (--_perClient[client] == 0)
                _perClient.Remove(client);
        }
    }
}
