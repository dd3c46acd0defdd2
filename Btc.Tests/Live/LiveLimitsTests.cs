using System.Net;
using Btc.Tests.Infrastructure;
using Npgsql;

namespace Btc.Tests.Live;

/// <summary>What a stream refuses before it opens, the caps on open streams, and a notice that never arrives.</summary>
public sealed class LiveLimitsTests(LiveFixture live) : IClassFixture<LiveFixture>
{
    [Fact]
    public async Task The_eleventh_stream_of_a_client_gets_429_and_a_stream_over_the_process_cap_503_with_Retry_After()
    {
        await using var api = new ApiFactory(live.ConnectionString, TimeProvider.System, ("Api:MaxStreams", "12"));
        using var http = api.CreateClient();
        await WaitUntilReadyAsync(http);
        var coin = (await live.CoinsAsync())[0];
        var open = new List<SseReader>();
        try
        {
            for (var i = 0; i < 10; i++)
                open.Add(await SseReader.OpenAsync(http, $"/stock/{coin}/usd/live", address: "10.2.0.1"));
            var eleventh = await GetAsync(http, "/live?currency=usd", "10.2.0.1");
            for (var i = 0; i < 2; i++)
                open.Add(await SseReader.OpenAsync(http, "/live?currency=usd", address: "10.2.0.2"));
            var overProcess = await GetAsync(http, $"/stock/{coin}/eur/live", "10.2.0.3");

            eleventh.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            eleventh.Headers.RetryAfter.Should().NotBeNull();
            eleventh.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            overProcess.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            overProcess.Headers.RetryAfter.Should().NotBeNull();
        }
        finally
        {
            foreach (var stream in open)
                await stream.DisposeAsync();
        }
        // Closed streams give their places back.
        await Eventually.Until(async () => (await GetAsync(http, "/live?currency=usd", "10.2.0.1")).StatusCode,
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "a place for the client again");
    }

    [Theory]
    [InlineData("/stock/no-such-coin/usd/live", null, HttpStatusCode.NotFound)]
    [InlineData("/stock/{coin}/xyz/live", null, HttpStatusCode.NotFound)]
    [InlineData("/stock/{coin}/usd/live", "yesterday", HttpStatusCode.BadRequest)]
    [InlineData("/stock/{coin}/usd/live?since=-5", null, HttpStatusCode.BadRequest)]
    [InlineData("/live?currency=usd", "1e5", HttpStatusCode.BadRequest)]
    [InlineData("/live?currency=xyz", null, HttpStatusCode.NotFound)]
    [InlineData("/live", null, HttpStatusCode.BadRequest)]
    [InlineData("/live?currency=usd&coins={coin},no-such-coin", null, HttpStatusCode.NotFound)]
    public async Task Bad_input_gets_problem_details_before_the_stream_opens(
        string path, string? lastEventId, HttpStatusCode status)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path.Replace("{coin}", (await live.CoinsAsync())[0]));
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await live.Http.SendAsync(request);

        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task OpenAPI_describes_both_streams_as_event_streams_that_push_no_filled_points()
    {
        var paths = System.Text.Json.JsonDocument.Parse(await live.Http.GetStringAsync("/openapi/v1.json"))
            .RootElement.GetProperty("paths");

        foreach (var path in new[] { "/stock/{stock_id}/{currency}/live", "/live" })
        {
            var get = paths.GetProperty(path).GetProperty("get");
            get.GetProperty("description").GetString().Should().Contain("not pushed");
            get.GetProperty("responses").GetProperty("200").GetProperty("content")
                .TryGetProperty("text/event-stream", out _).Should().BeTrue(path);
        }
    }

    [Fact]
    public async Task HEAD_gets_the_headers_of_a_stream_and_no_body()
    {
        var coin = (await live.CoinsAsync())[0];
        using var response =
            await live.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/stock/{coin}/usd/live"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_commit_whose_notice_is_lost_still_reaches_every_subscriber()
    {
        // The API hears notices through a link the test cuts; it reads prices straight from the database.
        var direct = new NpgsqlConnectionStringBuilder(live.ConnectionString);
        using var link = new TcpForwarder(direct.Host!, direct.Port);
        link.Open();
        var linked = new NpgsqlConnectionStringBuilder(live.ConnectionString) { Host = "127.0.0.1", Port = link.Port };
        await using var api = new ApiFactory(linked.ConnectionString, TimeProvider.System,
            ("ConnectionStrings:BtcReadOnly", live.ConnectionString));
        using var http = api.CreateClient();
        await WaitUntilReadyAsync(http);
        var coin = (await live.CoinsAsync())[2];
        await using var stream = await SseReader.OpenAsync(http, $"/stock/{coin}/usd/live");
        await using var market = await SseReader.OpenAsync(http, "/live?currency=usd");

        link.Close();
        await live.CycleAsync();
        var events = await stream.WaitForAsync(1, "the price whose notice was lost");
        await market.WaitForAsync(3, "the pages whose notices were lost");

        events.Should().ContainSingle();
        System.Text.Json.JsonSerializer.Deserialize<double[]>(events[0].Data).Should()
            .Equal((await live.SeriesAsync(coin, "usd"))[^1]);
    }

    /// <summary>Until the API has read the commit cursor, streams get 503; HEAD says when they would open.</summary>
    private static Task WaitUntilReadyAsync(HttpClient http) => Eventually.Until(
        async () => (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/live?currency=usd"))).StatusCode,
        s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the API's live streams ready");

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string address)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(ApiFactory.RemoteAddressHeader, address);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.IsSuccessStatusCode)
            response.Dispose();
        return response;
    }
}
