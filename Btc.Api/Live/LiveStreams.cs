using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Data.Live;
using Btc.Data.Prices;
using Btc.Api.Hosting;
using Btc.Hosting.Telemetry;

namespace Btc.Api.Live;

/// <summary>
/// The events of one stream: first what storage holds after the resume point, then the pages the feed hands it,
/// less those the replay already sent. It subscribes before it replays, so a page committed in between is in one or
/// the other (or both, and sent once): no gap, no duplicate.
/// </summary>
public sealed class LiveStreams(
    LiveFeed feed, SeriesReader series, PriceCommits commits, BtcMetrics metrics, Drain drain)
{
    /// <summary>A comment at least this often keeps proxies from closing an idle stream.</summary>
    public static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(15);

    private const int ReplayPages = 100;

    /// <summary>A coin's new prices in a currency, after <paramref name="since"/> (unix seconds) when given.</summary>
    public async IAsyncEnumerable<SseItem<string>> CoinAsync(
        HttpResponse response, int coinKey, Currency currency, long? since,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var subscription = feed.SubscribeCoin(coinKey);
        var tag = new KeyValuePair<string, object?>("stream", "coin");
        try
        {
            await WriteAsync(response, LiveEvents.Preamble, ct);
            var last = since ?? long.MinValue;
            if (since is { } after)
            {
                // Polled samples only, as the live events are: a stream holds the same whether watched or replayed.
                var stored = await series.SeriesAsync(coinKey, currency, DateTime.UnixEpoch.AddSeconds(after + 1),
                    DateTime.UtcNow.AddDays(1), ct, SeriesSource.Polled);
                foreach (var point in stored)
                {
                    last = point.UnixSeconds;
                    metrics.LiveEvents.Add(1, tag);
                    yield return LiveEvents.Point(point.UnixSeconds, point.Price);
                }
            }
            while (await NextAsync(subscription, response, ct) is { } page)
            {
                if (page.Find(coinKey) is not { } sample || sample.Price(currency.CurrencyKey) is not { } price
                    || sample.UnixSeconds <= last)
                    continue;
                last = sample.UnixSeconds;
                Sent(page, tag);
                yield return LiveEvents.Point(sample.UnixSeconds, price);
            }
            if (Ending(subscription) is { } end)
                yield return end;
        }
        finally
        {
            feed.Unsubscribe(subscription);
        }
    }

    /// <summary>
    /// Many coins' new prices in a currency, one event per committed page, after position <paramref name="after"/>
    /// of the commit cursor when given.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> MarketAsync(
        HttpResponse response, Currency currency, IReadOnlySet<int>? coinKeys, long? after,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var subscription = feed.SubscribeMarket(coinKeys);
        var tag = new KeyValuePair<string, object?>("stream", "market");
        try
        {
            await WriteAsync(response, LiveEvents.Preamble, ct);
            var last = after ?? long.MinValue;
            while (after is not null)
            {
                var stored = await commits.PagesAfterAsync(last, ReplayPages, ct);
                foreach (var page in stored)
                {
                    last = page.Position;
                    if (LiveEvents.Market(page, currency, coinKeys) is not { } replayed)
                        continue;
                    metrics.LiveEvents.Add(1, tag);
                    yield return replayed;
                }
                if (stored.Count < ReplayPages)
                    break;
            }
            while (await NextAsync(subscription, response, ct) is { } page)
            {
                if (page.Position <= last || LiveEvents.Market(page, currency, coinKeys) is not { } live)
                    continue;
                last = page.Position;
                Sent(page, tag);
                yield return live;
            }
            if (Ending(subscription) is { } end)
                yield return end;
        }
        finally
        {
            feed.Unsubscribe(subscription);
        }
    }

    private void Sent(CommittedPage page, KeyValuePair<string, object?> tag)
    {
        metrics.LiveEvents.Add(1, tag);
        metrics.LiveLatency.Record(Math.Max(0, (DateTime.UtcNow - page.CommittedAt).TotalSeconds));
    }

    /// <summary>
    /// The next page handed to the stream, writing a comment whenever none comes for
    /// <see cref="KeepAliveEvery"/>; null when the stream ends (dropped, the API stopping, the client gone).
    /// </summary>
    private async Task<CommittedPage?> NextAsync(
        LiveSubscription subscription, HttpResponse response, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, drain.StreamsEnd);
        while (true)
        {
            if (subscription.Pages.TryRead(out var ready))
                return ready;
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            idle.CancelAfter(KeepAliveEvery);
            try
            {
                if (!await subscription.Pages.WaitToReadAsync(idle.Token))
                    return null;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                await WriteAsync(response, LiveEvents.KeepAlive, ct);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Written between events, which the result's formatter writes and flushes one by one: the preamble and the
    /// keep-alive comments, which SSE items cannot carry.
    /// </summary>
    private static async Task WriteAsync(HttpResponse response, byte[] bytes, CancellationToken ct)
    {
        await response.Body.WriteAsync(bytes, ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>The last event of a stream the server ends; none when the client left.</summary>
    private SseItem<string>? Ending(LiveSubscription subscription)
    {
        if (subscription.Dropped)
            return LiveEvents.End("dropped: this client fell behind; reconnect with Last-Event-ID");
        return drain.StreamsEnd.IsCancellationRequested
            ? LiveEvents.End("shutting down: reconnect with Last-Event-ID")
            : null;
    }
}
