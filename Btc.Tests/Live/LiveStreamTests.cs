using System.Text.Json;
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
}
