using System.Net;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Api;

public sealed class VolatilityEndpointTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("", "log_return_stddev", 1)]
    [InlineData("?measure=log_return_stddev", "log_return_stddev", 1)]
    [InlineData("?measure=price_stddev", "price_stddev", 2)]
    public async Task The_rank_body_carries_rank_out_of_measure_volatility_and_as_of(
        string query,
        string measure,
        short measureKey)
    {
        var response = await api.Client.GetAsync($"/stock/acala/usd/volatility_rank{query}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.EnumerateObject()
            .Select(p => p.Name).Should().BeEquivalentTo("volatility_rank", "out_of", "measure", "volatility", "as_of");
        await using var connection = await api.DataSource.OpenConnectionAsync();
        var stored = await connection.QuerySingleAsync<(int Rank, int OutOf, double Volatility)>("""
            SELECT r.rank[c.currency_key], k.out_of, r.volatility[c.currency_key]
            FROM volatility_rank r JOIN coin USING (coin_key) JOIN currency c ON c.code = 'usd'
            JOIN volatility_ranking k ON k.currency_key = c.currency_key AND k.measure = r.measure
            WHERE coin.id = 'acala' AND r.measure = @measureKey
            """, new { measureKey });
        body.GetProperty("volatility_rank").GetInt32().Should().Be(stored.Rank);
        body.GetProperty("out_of").GetInt32().Should().Be(stored.OutOf).And.BeGreaterThan(1);
        body.GetProperty("measure").GetString().Should().Be(measure);
        body.GetProperty("volatility").GetDouble().Should().Be(stored.Volatility);
        body.GetProperty("as_of").GetDateTime().Should().Be(ApiFixture.RanksAsOf);
    }

    [Fact]
    public async Task A_coin_with_a_price_in_the_currency_ranks_in_it_and_ids_with_spaces_work()
    {
        var response = await api.Client.GetAsync("/stock/1move%20token/USD/volatility_rank?measure=price_stddev");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
