using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Api;

public sealed class StockEndpointTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly long NowSeconds = new DateTimeOffset(ApiFixture.Now).ToUnixTimeSeconds();

    [Fact]
    public async Task The_index_lists_the_endpoint_templates_of_the_original_first()
    {
        var templates = await api.Client.GetFromJsonAsync<string[]>("/");

        templates![..3].Should().Equal("/stock", "/stock/<stock_id>/<currency>",
            "/stock/<stock_id>/<currency>/volatility_rank");
        templates.Should().Contain(["/coins", "/volatility", "/currencies"], "the page's endpoints are listed too");
    }

    [Fact]
    public async Task Stock_lists_the_ids_with_prices_in_the_last_24_hours_in_code_point_order()
    {
        var ids = await api.Client.GetFromJsonAsync<string[]>("/stock");

        // old-no-usd's only price is from 2021: it has no series to serve, so it is not listed.
        ids.Should().Equal("-2", "1move token", "acala", "boringdao-[old]", "current-no-usd");
    }

    [Fact]
    public async Task A_series_is_the_last_24_hours_up_to_now_as_pairs_of_unix_seconds_and_price_oldest_first()
    {
        var response = await api.Client.GetAsync("/stock/acala/usd");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var pairs = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var expected = api.Acala.Where(a => a.At >= ApiFixture.Now.AddHours(-24) && a.At < ApiFixture.Now).ToArray();
        pairs.GetArrayLength().Should().Be(expected.Length).And.Be(1440);
        var first = pairs[0];
        first.GetArrayLength().Should().Be(2);
        first[0].GetInt64().Should().Be(new DateTimeOffset(expected[0].At).ToUnixTimeSeconds());
        first[1].GetDouble().Should().Be(expected[0].Usd);
        pairs.EnumerateArray().Select(p => p[0].GetInt64()).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task The_24_hour_window_keeps_samples_just_inside_drops_those_just_outside_serves_the_newest_at_once()
    {
        var pairs = await api.Client.GetFromJsonAsync<double[][]>("/stock/-2/usd");

        pairs.Should().BeEquivalentTo(new[] { new[] { NowSeconds - 86_400, 2.0 }, new[] { NowSeconds - 1, 3.0 } },
            options => options.WithStrictOrdering());
    }

    [Fact]
    public async Task From_and_to_choose_another_window_as_unix_seconds_or_ISO_8601_up_to_now()
    {
        var unix = await api.Client.GetFromJsonAsync<double[][]>(
            $"/stock/-2/usd?from={NowSeconds - 86_401}&to={NowSeconds + 3600}");
        var iso = await api.Client.GetFromJsonAsync<double[][]>(
            $"/stock/-2/usd?from={Uri.EscapeDataString(ApiFixture.Now.AddHours(-24).AddSeconds(-1).ToString("O"))}");

        unix!.Select(p => p[1]).Should().Equal(1.0, 2.0, 3.0);
        iso!.Select(p => p[1]).Should().Equal(1.0, 2.0, 3.0);
    }

    [Fact]
    public async Task Ids_with_spaces_and_brackets_are_matched_exactly_and_the_currency_in_any_case()
    {
        (await api.Client.GetFromJsonAsync<double[][]>("/stock/1move%20token/USD")).Should().HaveCount(10);
        (await api.Client.GetFromJsonAsync<double[][]>("/stock/boringdao-%5Bold%5D/Usd")).Should().HaveCount(10);
        (await api.Client.GetAsync("/stock/1MOVE%20TOKEN/usd")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/stock/no-such-coin/usd", 404, "Unknown coin")]
    [InlineData("/stock/acala/xyz", 404, "Unknown currency")]
    [InlineData("/stock/current-no-usd/usd", 404, "No prices in the window")]
    [InlineData("/stock/old-no-usd/usd", 404, "No prices in the window")]
    [InlineData("/stock/old-no-usd/eur", 404, "No prices in the window")]
    [InlineData("/stock/listed-never-priced/usd", 404, "No prices in the window")]
    [InlineData("/stock/acala/usd?from=yesterday", 400, "Malformed time window")]
    [InlineData("/stock/acala/usd?to=2024-13-45", 400, "Malformed time window")]
    [InlineData("/stock/acala/usd?from=1700000000&to=1600000000", 400, "Malformed time window")]
    [InlineData("/stock/acala/usd?from=1000000000", 400, "Malformed time window")]
    [InlineData("/stock/acala/usd/volatility_rank?measure=variance", 400, "Unknown measure")]
    [InlineData("/stock/no-such-coin/usd/volatility_rank", 404, "Unknown coin")]
    [InlineData("/stock/acala/xyz/volatility_rank", 404, "Unknown currency")]
    [InlineData("/stock/current-no-usd/usd/volatility_rank", 404, "Too little data to rank")]
    [InlineData("/stock/old-no-usd/eur/volatility_rank", 404, "Too little data to rank")]
    [InlineData("/cycles?count=0", 400, "Count out of range")]
    public async Task Bad_requests_get_their_status_and_a_problem_details_body_a_person_can_act_on(
        string path,
        int status,
        string title)
    {
        var response = await api.Client.GetAsync(path);

        ((int)response.StatusCode).Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("status").GetInt32().Should().Be(status);
        problem.GetProperty("title").GetString().Should().Be(title);
        problem.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem_not_an_empty_body()
    {
        var response = await api.Client.GetAsync("/stocks");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }
}
