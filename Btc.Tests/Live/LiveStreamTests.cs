using System.Text.Json;
using System.Text.RegularExpressions;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>New prices pushed to their subscribers: what a stream sends, across a reconnect, to many at once.</summary>
public sealed class LiveStreamTests(LiveFixture live) : IClassFixture<LiveFixture>
{
    [Fact]
    public async Task A_subscriber_receives_a_new_cycles_price_with_the_id_and_data_the_series_then_serves()
    {
        var coin = (await live.CoinsAsync())[0];
        await using var stream = await SseReader.OpenAsync(live.Http, $"/stock/{coin}/usd/live");

        stream.Response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        stream.Response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        stream.Retry.Should().BePositive("the stream says how soon to reconnect before any event");
        await live.CycleAsync();
        var events = await stream.WaitForAsync(1, "the new cycle's price");

        var series = await live.SeriesAsync(coin, "usd");
        events.Should().ContainSingle();
        var data = JsonSerializer.Deserialize<double[]>(events[0].Data)!;
        data.Should().Equal(series[^1], "the event is the point the series serves");
        events[0].Id.Should().Be(((long)series[^1][0]).ToString(), "its id is its unix seconds");
    }

    [Fact]
    public async Task A_reconnect_with_Last_Event_ID_gets_the_missed_points_once_in_order_then_the_live_ones()
    {
        var coin = (await live.CoinsAsync())[1];
        string lastId;
        string lastPosition;
        await using (var first = await SseReader.OpenAsync(live.Http, $"/stock/{coin}/eur/live"))
        await using (var market = await SseReader.OpenAsync(live.Http, "/live?currency=eur"))
        {
            await live.CycleAsync();
            lastId = (await first.WaitForAsync(1, "a first price")).Last().Id!;
            lastPosition = (await market.WaitForAsync(3, "the cycle's three pages")).Last().Id!;
        }
        await live.CycleAsync();
        await live.CycleAsync();

        await using var again = await SseReader.OpenAsync(live.Http, $"/stock/{coin}/eur/live", lastId);
        await using var marketAgain = await SseReader.OpenAsync(live.Http, "/live?currency=eur", lastPosition);
        var missed = await again.WaitForAsync(2, "the two missed points");
        var missedPages = await marketAgain.WaitForAsync(6, "the two missed cycles' pages");
        await live.CycleAsync();
        var all = await again.WaitForAsync(3, "the live point after the missed ones");
        var allPages = await marketAgain.WaitForAsync(9, "the live pages after the missed ones");

        var series = await live.SeriesAsync(coin, "eur");
        var expected = series.Where(p => p[0] > long.Parse(lastId)).ToArray();
        expected.Should().HaveCount(3);
        all.Select(e => JsonSerializer.Deserialize<double[]>(e.Data)).Should()
            .BeEquivalentTo(expected, o => o.WithStrictOrdering(), "each point once, in order, none missed");
        missed.Take(2).Select(e => e.Id).Should().Equal(expected.Take(2).Select(p => ((long)p[0]).ToString()));
        allPages.Select(e => long.Parse(e.Id!)).Should().Equal(
            Enumerable.Range(1, 9).Select(i => long.Parse(lastPosition) + i), "every page once, in commit order");
        var coinPrices = allPages
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("prices"))
            .Where(p => p.TryGetProperty(coin, out _))
            .Select(p => p.GetProperty(coin).Deserialize<double[]>());
        coinPrices.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering(), "the market stream says the same");
        missedPages.Should().HaveCountGreaterThanOrEqualTo(6);
    }

    private static readonly string[] Currencies = ["usd", "eur", "btc", "jpy"];

    [Fact]
    public async Task Two_hundred_subscribers_get_exactly_their_own_points_and_a_slow_one_is_dropped_alone()
    {
        var coins = await live.CoinsAsync();
        // A client that asks for every coin and never reads: its queue fills while the others are served.
        using var slow = await live.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "/live?currency=usd"), HttpCompletionOption.ResponseHeadersRead);
        var streams = await OpenCoinStreamsAsync(coins, 190);
        var markets = new List<(string Currency, string[]? Coins, SseReader Stream)>();
        try
        {
            for (var i = 0; i < 9; i++)
            {
                var chosen = i % 3 == 0 ? null : coins.Skip(i * 11).Take(5).ToArray();
                var query = chosen is null ? "" : "&coins=" + string.Join(',', chosen.Select(Uri.EscapeDataString));
                markets.Add((Currencies[i % Currencies.Length], chosen,
                    await SseReader.OpenAsync(live.Http, $"/live?currency={Currencies[i % Currencies.Length]}{query}",
                        address: $"10.1.0.{i}")));
            }
            var cycles = await CycleUntilDroppedAsync() + 1;
            await live.CycleAsync();

            foreach (var (coin, currency, newest, stream) in streams)
            {
                var expected = (await live.SeriesAsync(coin, currency)).Where(p => p[0] > newest).ToArray();
                expected.Should().HaveCount(cycles, $"{coin} has a new {currency} price each cycle");
                (await stream.WaitForAsync(expected.Length, $"{coin}'s {currency} prices"))
                    .Select(e => JsonSerializer.Deserialize<double[]>(e.Data)).Should()
                    .BeEquivalentTo(expected, o => o.WithStrictOrdering(), $"{coin} in {currency}, exactly");
            }
            foreach (var (currency, chosen, stream) in markets)
                await AssertMarketAsync(stream, currency, chosen ?? coins, all: chosen is null, cycles);
            await SlowClientsLastEventAsync(slow);
        }
        finally
        {
            foreach (var stream in streams.Select(s => s.Stream).Concat(markets.Select(m => m.Stream)))
                await stream.DisposeAsync();
        }
    }

    /// <summary>
    /// <paramref name="count"/> streams of coins in mixed currencies, each from an address of its own, with the
    /// newest point each had when it opened.
    /// </summary>
    private async Task<List<(string Coin, string Currency, long Newest, SseReader Stream)>> OpenCoinStreamsAsync(
        string[] coins, int count)
    {
        var streams = new List<(string, string, long, SseReader)>();
        for (var next = 0; streams.Count < count; next++)
        {
            var (coin, currency) = (coins[next * 7 % coins.Length], Currencies[next % Currencies.Length]);
            if (await live.TrySeriesAsync(coin, currency) is not [.., var newest])
                continue;
            var i = streams.Count;
            streams.Add((coin, currency, (long)newest[0],
                await SseReader.OpenAsync(live.Http, $"/stock/{Uri.EscapeDataString(coin)}/{currency}/live",
                    address: $"10.0.{i / 10}.{i % 10}")));
        }
        return streams;
    }

    /// <summary>Each coin asked for has its price of every cycle, as the series serves it, and no other coin.</summary>
    private async Task AssertMarketAsync(SseReader stream, string currency, string[] coins, bool all, int cycles)
    {
        var events = await stream.WaitForAsync(all ? 3 * cycles : cycles, $"the {currency} market's pages");
        events.Select(e => long.Parse(e.Id!)).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        var byCoin = events
            .SelectMany(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("prices").EnumerateObject())
            .GroupBy(p => p.Name, p => p.Value.Deserialize<double[]>()!)
            .ToDictionary(g => g.Key, g => g.ToArray());
        foreach (var coin in coins)
        {
            var series = await live.TrySeriesAsync(coin, currency) ?? [];
            var received = byCoin.GetValueOrDefault(coin) ?? [];
            received.Should().BeEquivalentTo(series.TakeLast(received.Length), o => o.WithStrictOrdering())
                .And.HaveCount(series.Length == 0 ? 0 : cycles, $"{coin}'s {currency} price each cycle");
        }
        byCoin.Keys.Should().BeSubsetOf(coins);
    }

    /// <summary>Runs cycles until the API says it dropped a client; returns how many.</summary>
    private async Task<int> CycleUntilDroppedAsync()
    {
        for (var cycles = 1; cycles <= 40; cycles++)
        {
            await live.CycleAsync();
            var metrics = await live.Http.GetStringAsync("/metrics");
            if (Regex.Match(metrics, @"^btc_live_dropped_total(\{[^}]*\})? (\d+)", RegexOptions.Multiline) is
                { Success: true } dropped && long.Parse(dropped.Groups[2].Value) >= 1)
                return cycles;
        }
        throw new TimeoutException("No client was dropped after 40 cycles");
    }

    /// <summary>The slow client, reading at last, finds its stream's end: an event saying it was dropped.</summary>
    private static async Task SlowClientsLastEventAsync(HttpResponseMessage slow)
    {
        var body = await slow.Content.ReadAsStringAsync();
        var last = body.TrimEnd('\n').Split("\n\n").Last();
        last.Should().Contain("event: end").And.Contain("dropped").And.Contain("retry: ");
    }
}
