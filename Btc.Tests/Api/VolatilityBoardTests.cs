using System.Net;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Api;

/// <summary>GET /volatility: the stored ranks of one currency and measure as a board, and the currencies served.
/// </summary>
public sealed class VolatilityBoardTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("", "usd", "log_return_stddev", 1, "desc")]
    [InlineData("?currency=USD&measure=log_return_stddev&order=asc", "usd", "log_return_stddev", 1, "asc")]
    [InlineData("?currency=eur&measure=price_stddev&order=desc&limit=500", "eur", "price_stddev", 2, "desc")]
    [InlineData("?measure=price_stddev&order=asc", "usd", "price_stddev", 2, "asc")]
    public async Task The_board_lists_the_ranked_coins_in_rank_order_ties_by_id_with_as_of_and_out_of(
        string query, string currency, string measure, short measureKey, string order)
    {
        var response = await api.Client.GetAsync($"/volatility{query}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.EnumerateObject().Select(p => p.Name).Should()
            .Equal("currency", "measure", "order", "as_of", "out_of", "coins");
        (body.GetProperty("currency").GetString(), body.GetProperty("measure").GetString(),
            body.GetProperty("order").GetString()).Should().Be((currency, measure, order));
        body.GetProperty("as_of").GetDateTime().Should().Be(ApiFixture.RanksAsOf);
        var stored = await StoredRanksAsync(currency, measureKey);
        body.GetProperty("out_of").GetInt32().Should().Be(stored.OutOf).And.BeGreaterThan(1);
        var expected = order == "desc"
            ? stored.Coins.OrderBy(c => c.Rank).ThenBy(c => c.Id, StringComparer.Ordinal)
            : stored.Coins.OrderByDescending(c => c.Rank).ThenBy(c => c.Id, StringComparer.Ordinal);
        var coins = body.GetProperty("coins").EnumerateArray().ToArray();
        coins[0].EnumerateObject().Select(p => p.Name).Should().Equal("rank", "id", "symbol", "name", "volatility");
        coins.Select(c => (c.GetProperty("rank").GetInt32(), c.GetProperty("id").GetString()!,
                c.GetProperty("symbol").GetString()!, c.GetProperty("name").GetString()!,
                c.GetProperty("volatility").GetDouble()))
            .Should().Equal(expected.Select(c => (c.Rank, c.Id, c.Symbol, c.Name, c.Volatility)));
    }

    [Fact]
    public async Task Limit_keeps_the_first_coins_of_the_order()
    {
        var all = JsonDocument.Parse(await api.Client.GetStringAsync("/volatility?order=asc")).RootElement;
        var one = JsonDocument.Parse(await api.Client.GetStringAsync("/volatility?order=asc&limit=1")).RootElement;

        one.GetProperty("coins").GetArrayLength().Should().Be(1);
        one.GetProperty("coins")[0].GetProperty("id").GetString()
            .Should().Be(all.GetProperty("coins")[0].GetProperty("id").GetString());
        one.GetProperty("out_of").GetInt32().Should().Be(all.GetProperty("out_of").GetInt32());
    }

    [Theory]
    [InlineData("/volatility?measure=variance", 400, "Unknown measure")]
    [InlineData("/volatility?order=up", 400, "Unknown order")]
    [InlineData("/volatility?limit=0", 400, "Limit out of range")]
    [InlineData("/volatility?limit=501", 400, "Limit out of range")]
    [InlineData("/volatility?limit=many", 400, "Limit out of range")]
    [InlineData("/volatility?currency=xyz", 404, "Unknown currency")]
    public async Task Bad_input_gets_its_status_and_a_problem_details_body(string path, int status, string title)
    {
        var response = await api.Client.GetAsync(path);

        ((int)response.StatusCode).Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("title").GetString().Should().Be(title);
        body.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Currencies_lists_the_stored_codes_in_code_point_order()
    {
        var codes = JsonDocument.Parse(await api.Client.GetStringAsync("/currencies")).RootElement
            .EnumerateArray().Select(c => c.GetString()!).ToArray();

        await using var connection = await api.DataSource.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<string>("SELECT code FROM currency")).ToArray();
        codes.Should().BeEquivalentTo(stored).And.Contain(["usd", "eur", "btc"]);
        codes.Should().BeInAscendingOrder(StringComparer.Ordinal).And.OnlyContain(c => c == c.ToLowerInvariant());
    }

    [Fact]
    public async Task A_coin_asked_in_a_currency_it_has_no_prices_in_is_told_so_in_a_sentence()
    {
        var response = await api.Client.GetAsync("/stock/current-no-usd/usd");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("title").GetString().Should().Be("No prices in the window");
        body.GetProperty("detail").GetString().Should().StartWith("'current-no-usd' has no usd prices between");
    }

    [Fact]
    public async Task Before_the_first_ranks_the_board_is_empty_with_as_of_null()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var fresh = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var http = fresh.CreateClient();

        var response = await http.GetAsync("/volatility?currency=eur");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("as_of").ValueKind.Should().Be(JsonValueKind.Null);
        body.GetProperty("out_of").GetInt32().Should().Be(0);
        body.GetProperty("coins").GetArrayLength().Should().Be(0);
        body.GetProperty("currency").GetString().Should().Be("eur");
    }

    private async Task<(int OutOf, IReadOnlyList<Row> Coins)> StoredRanksAsync(string currency, short measure)
    {
        await using var connection = await api.DataSource.OpenConnectionAsync();
        var outOf = await connection.ExecuteScalarAsync<int>("""
            SELECT k.out_of FROM volatility_ranking k JOIN currency c USING (currency_key)
            WHERE c.code = @currency AND k.measure = @measure
            """, new { currency, measure });
        var rows = await connection.QueryAsync<Row>("""
            SELECT r.rank[c.currency_key] AS Rank, coin.id AS Id, coin.symbol AS Symbol, coin.name AS Name,
                   r.volatility[c.currency_key] AS Volatility
            FROM volatility_rank r JOIN coin USING (coin_key) JOIN currency c ON c.code = @currency
            WHERE r.measure = @measure AND r.rank[c.currency_key] IS NOT NULL
            """, new { currency, measure });
        return (outOf, rows.AsList());
    }

    private sealed record Row(int Rank, string Id, string Symbol, string Name, double Volatility);
}
