using System.Collections.Concurrent;
using System.Threading.Channels;
using Btc.Data.Freshness;
using Btc.Data.Live;
using Btc.Hosting.Telemetry;
using Microsoft.Extensions.Options;

namespace Btc.Api.Live;

/// <summary>
/// Follows the commit cursor (docs/decisions/0007) and hands each committed page to the streams that want it: one
/// query per wake-up whatever the number of streams. A notice wakes it at once; it also reads the cursor every
/// <see cref="CatchUpEvery"/>, so a lost notice delays an event by that much and never loses it. It reads where the
/// API reads (the replica, when one is named), so no event names a point the API cannot serve yet.
/// </summary>
public sealed class LiveFeed(
    PriceCommits commits, DataChanges changes, IOptions<LiveOptions> options, BtcMetrics metrics, ILogger<LiveFeed> log)
    : BackgroundService
{
    public static readonly TimeSpan CatchUpEvery = TimeSpan.FromSeconds(1);

    // Pages read per query: a cycle is ten pages at the default 1,000 coins.
    private const int PagesPerRead = 50;

    private readonly Channel<bool> _wake =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly ConcurrentDictionary<int, ConcurrentDictionary<LiveSubscription, byte>> _byCoin = new();
    private readonly ConcurrentDictionary<LiveSubscription, byte> _market = new();
    private long _position = -1;

    /// <summary>Whether the feed knows where the cursor stands: until it does, no stream may open.</summary>
    public bool Ready => Interlocked.Read(ref _position) >= 0;


    /// <summary>A stream of one coin's prices: it is handed the pages holding a sample of the coin.</summary>
    public LiveSubscription SubscribeCoin(int coinKey)
    {
        // Handed only the pages holding the coin: it wants each of them.
        var subscription = new LiveSubscription(coinKey, options.Value.StreamQueuePages, static _ => true);
        _byCoin.GetOrAdd(coinKey, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>A stream of many coins: it is handed the pages holding one of them (any, when null).</summary>
    public LiveSubscription SubscribeMarket(IReadOnlySet<int>? coinKeys)
    {
        var subscription = new LiveSubscription(null, options.Value.StreamQueuePages,
            page => coinKeys is null || page.Samples.Any(s => coinKeys.Contains(s.CoinKey)));
        _market.TryAdd(subscription, 0);
        return subscription;
    }

    public void Unsubscribe(LiveSubscription subscription)
    {
        if (subscription.CoinKey is { } coinKey && _byCoin.TryGetValue(coinKey, out var streams))
            streams.TryRemove(subscription, out _);
        else
            _market.TryRemove(subscription, out _);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        changes.Changed += Wake;
        // A series from the start, so that rate() sees the first drop.
        metrics.LiveDropped.Add(0);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await CatchUpAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The database away: the streams stay open and get the pages committed meanwhile once it is back.
                    log.LogWarning("Live streams could not read the commit cursor: {Reason}", e.Message);
                }
                await WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            changes.Changed -= Wake;
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task WaitAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CatchUpEvery);
        try
        {
            await _wake.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reads and hands out every page after the last one handed out, up to the cursor.</summary>
    private async Task CatchUpAsync(CancellationToken ct)
    {
        // The cursor first: an idle read touches only its one row, never the tables of prices and coins.
        var latest = (await commits.SpanAsync(ct)).Latest;
        metrics.LiveReads.Add(1, new KeyValuePair<string, object?>("read", "cursor"));
        if (_position < 0)
            Interlocked.Exchange(ref _position, latest);
        while (_position < latest)
        {
            var pages = await commits.PagesAfterAsync(_position, PagesPerRead, ct);
            metrics.LiveReads.Add(1, new KeyValuePair<string, object?>("read", "pages"));
            if (pages.Count == 0)
                return;
            foreach (var page in pages)
                HandOut(page);
            _position = pages[^1].Position;
        }
    }

    private void HandOut(CommittedPage page)
    {
        foreach (var sample in page.Samples)
        {
            if (_byCoin.TryGetValue(sample.CoinKey, out var streams))
                Offer(streams, page);
        }
        Offer(_market, page);
    }

    private void Offer(ConcurrentDictionary<LiveSubscription, byte> streams, CommittedPage page)
    {
        foreach (var subscription in streams.Keys)
        {
            if (subscription.Offer(page))
                continue;
            metrics.LiveDropped.Add(1);
            Unsubscribe(subscription);
        }
    }
}
