using System.Net;
using System.Text.Json;

namespace Btc.Tests.Api;

public sealed class ServiceEndpointTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_OpenAPI_document_describes_every_stock_endpoint()
    {
        var document = JsonDocument.Parse(await api.Client.GetStringAsync("/openapi/v1.json")).RootElement;

        document.GetProperty("paths").EnumerateObject().Select(p => p.Name).Should().Contain(
            ["/", "/stock", "/stock/{stock_id}/{currency}", "/stock/{stock_id}/{currency}/volatility_rank", "/cycles"]);
    }

    [Fact]
    public async Task The_interactive_reference_page_is_served()
    {
        var response = await api.Client.GetAsync("/docs");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("openapi/v1.json");
    }

    [Fact]
    public async Task Live_and_ready_health_endpoints_answer_healthy_on_a_migrated_database()
    {
        (await api.Client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
        var ready = await api.Client.GetAsync("/health/ready");
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ready.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Fact]
    public async Task Cycles_lists_the_poll_cycles_newest_first()
    {
        var cycles = JsonDocument.Parse(await api.Client.GetStringAsync("/cycles")).RootElement;

        cycles.GetArrayLength().Should().Be(1);
        cycles[0].GetProperty("coinsRequested").GetInt32().Should().Be(7);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/stock")]
    [InlineData("/stock/acala/usd")]
    [InlineData("/stock/acala/usd/volatility_rank")]
    [InlineData("/cycles")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    public async Task HEAD_answers_every_GET_route_with_its_status_and_headers_and_no_body(string path)
    {
        var get = await api.Client.GetAsync(path);
        var head = await api.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        head.StatusCode.Should().Be(HttpStatusCode.OK).And.Be(get.StatusCode);
        head.Content.Headers.ContentType.Should().Be(get.Content.Headers.ContentType);
        (await head.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task HEAD_of_an_unknown_coin_is_the_same_404()
    {
        var head = await api.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/stock/no-such-coin/usd"));

        head.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
