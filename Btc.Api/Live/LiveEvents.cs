using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Btc.Data.Currencies;
using Btc.Data.Live;

namespace Btc.Api.Live;

/// <summary>The events of the live streams, their data written as the series writes its points.</summary>
public static class LiveEvents
{
    /// <summary>How long a client waits before it reconnects after a stream ends.</summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);

    /// <summary>Said first on every stream: the retry hint, before any event can be lost.</summary>
    public static readonly byte[] Preamble =
        Encoding.UTF8.GetBytes($": BTC live prices\nretry: {(int)Retry.TotalMilliseconds}\n\n");

    /// <summary>A comment: proxies close a stream idle for a minute (nginx's proxy_read_timeout is 60 s).</summary>
    public static readonly byte[] KeepAlive = Encoding.UTF8.GetBytes(": keep-alive\n\n");

    /// <summary>A coin's price: id its unix seconds, data [unix_seconds, price].</summary>
    public static SseItem<string> Point(long unixSeconds, double price) =>
        new(Json(json =>
        {
            json.WriteStartArray();
            json.WriteNumberValue(unixSeconds);
            json.WriteNumberValue(price);
            json.WriteEndArray();
        })) { EventId = unixSeconds.ToString(CultureInfo.InvariantCulture) };

    /// <summary>
    /// A committed page's prices of the coins asked for (all when null) in <paramref name="currency"/>: id the page's
    /// position on the commit cursor, data {"prices": {"coin id": [unix_seconds, price], …}}. Null when it holds none.
    /// </summary>
    public static SseItem<string>? Market(CommittedPage page, Currency currency, IReadOnlySet<int>? coinKeys) =>
        coinKeys is null
            // Every stream of all coins in a currency sends the same event: written once per page.
            ? AllCoins.GetValue(page, _ => new()).GetOrAdd(currency.CurrencyKey, _ => Write(page, currency, null))
            : Write(page, currency, coinKeys);

    private static readonly ConditionalWeakTable<CommittedPage, ConcurrentDictionary<short, SseItem<string>?>>
        AllCoins = new();

    private static SseItem<string>? Write(CommittedPage page, Currency currency, IReadOnlySet<int>? coinKeys)
    {
        var chosen = page.Samples
            .Where(s => coinKeys is null || coinKeys.Contains(s.CoinKey))
            .Select(s => (s.CoinId, s.UnixSeconds, Price: s.Price(currency.CurrencyKey)))
            .Where(s => s.Price is not null)
            .ToList();
        if (chosen.Count == 0)
            return null;
        return new SseItem<string>(Json(json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("prices");
            foreach (var (id, at, price) in chosen)
            {
                json.WriteStartArray(id);
                json.WriteNumberValue(at);
                json.WriteNumberValue(price!.Value);
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        })) { EventId = page.Position.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>The last event of a stream the server ends: why, and when to come back.</summary>
    public static SseItem<string> End(string reason) =>
        new(Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("reason", reason);
            json.WriteEndObject();
        }), "end") { ReconnectionInterval = Retry };

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
            write(json);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
