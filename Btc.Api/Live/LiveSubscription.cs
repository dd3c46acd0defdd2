using System.Threading.Channels;
using Btc.Data.Live;

namespace Btc.Api.Live;

/// <summary>
/// One stream's place in the fan-out: the committed pages waiting for it, at most a bounded number. The feed never
/// waits for a stream: when the queue is full the stream is dropped, and ends with an event saying so.
/// </summary>
public sealed class LiveSubscription(int? coinKey, int capacity, Func<CommittedPage, bool> wants)
{
    /// <summary>The coin of a coin's stream; null for a stream of many coins.</summary>
    public int? CoinKey => coinKey;

    private readonly Channel<CommittedPage> _queue = Channel.CreateBounded<CommittedPage>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });

    public ChannelReader<CommittedPage> Pages => _queue.Reader;

    /// <summary>Whether the client fell too far behind: its queue was full when a page came.</summary>
    public bool Dropped { get; private set; }

    /// <summary>Hands <paramref name="page"/> to the stream if it wants it; false when that dropped it.</summary>
    public bool Offer(CommittedPage page)
    {
        if (!wants(page) || _queue.Writer.TryWrite(page))
            return true;
        Dropped = true;
        _queue.Writer.TryComplete();
        return false;
    }
}
