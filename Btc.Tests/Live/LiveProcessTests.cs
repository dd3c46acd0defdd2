using System.Text.Json;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>The live streams of an API process of its own: behind nginx, and when it is told to stop.</summary>
[Trait("Category", "Faults")]
public sealed class LiveProcessTests(LiveFixture live) : IClassFixture<LiveFixture>
{
    [Fact]
    public async Task Through_nginx_events_arrive_while_the_stream_is_open()
    {
        using var api = await ApiProcess.StartAsync(live.ConnectionString);
        using var nginx = await Nginx.StartAsync(api.Port);
        using var http = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{nginx.Port}"), Timeout = Timeout.InfiniteTimeSpan,
        };
        var coin = (await live.CoinsAsync())[0];
        await using var stream = await SseReader.OpenAsync(http, $"/stock/{coin}/usd/live");
        await using var market = await SseReader.OpenAsync(http, "/live?currency=usd");

        await live.CycleAsync();
        var events = await stream.WaitForAsync(1, "the new price through nginx", TimeSpan.FromSeconds(30));
        await market.WaitForAsync(3, "the new pages through nginx", TimeSpan.FromSeconds(30));

        stream.Ended.Should().BeFalse("nginx passes each event on as it comes, not when the stream ends");
        JsonSerializer.Deserialize<double[]>(events[0].Data).Should().Equal((await live.SeriesAsync(coin, "usd"))[^1]);
    }

    [Fact]
    public async Task On_SIGTERM_streams_end_with_a_retry_hint_within_the_shutdown_timeout()
    {
        using var api = await ApiProcess.StartAsync(live.ConnectionString);
        var coin = (await live.CoinsAsync())[0];
        await using var stream = await SseReader.OpenAsync(api.Http, $"/stock/{coin}/usd/live");
        await using var market = await SseReader.OpenAsync(api.Http, "/live?currency=usd");

        api.Terminate();
        // ASP.NET Core's default shutdown timeout: the streams must not hold the process past it.
        await stream.WaitForEndAsync(TimeSpan.FromSeconds(30), "the coin's stream to end");
        await market.WaitForEndAsync(TimeSpan.FromSeconds(30), "the market stream to end");
        await api.Output.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        foreach (var ended in new[] { stream, market })
        {
            var last = ended.Events.Should().ContainSingle().Which;
            last.Type.Should().Be("end");
            last.Retry.Should().BePositive("the client reconnects, to another replica");
            last.Data.Should().Contain("shutting down");
        }
        api.Output.Process.ExitCode.Should().Be(0, api.Output.Errors);
    }
}
