using Btc.Data;
using System.Net;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Api;

public sealed class ServiceEndpointTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_OpenAPI_document_describes_every_stock_endpoint()
    {
        var document = JsonDocument.Parse(await api.Client.GetStringAsync("/openapi/v1.json")).RootElement;

        document.GetProperty("paths").EnumerateObject().Select(p => p.Name).Should().Contain(
            ["/", "/stock", "/stock/{stock_id}/{currency}", "/stock/{stock_id}/{currency}/volatility_rank", "/cycles",
                "/coins", "/volatility", "/currencies"]);
    }

    [Theory]
    [InlineData("/coins", "SearchCoins", "400")]
    [InlineData("/volatility", "GetVolatilityBoard", "404")]
    [InlineData("/currencies", "ListCurrencies", "200")]
    public async Task The_page_endpoints_are_described_with_a_summary_tags_and_their_problems(
        string path, string operationId, string status)
    {
        var document = JsonDocument.Parse(await api.Client.GetStringAsync("/openapi/v1.json")).RootElement;

        var get = document.GetProperty("paths").GetProperty(path).GetProperty("get");
        get.GetProperty("operationId").GetString().Should().Be(operationId);
        get.GetProperty("summary").GetString().Should().NotBeNullOrWhiteSpace();
        get.GetProperty("tags").GetArrayLength().Should().BePositive();
        get.GetProperty("responses").TryGetProperty(status, out _).Should().BeTrue();
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
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("status").GetString().Should().Be("Healthy");
        body.GetProperty("checks").GetProperty("database")
            .GetProperty("description").GetString().Should().Be($"Schema version {SchemaVersion.Required}.");
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
    [InlineData("/coins?search=acala")]
    [InlineData("/volatility")]
    [InlineData("/currencies")]
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

    [Fact]
    [Trait("Category", "Faults")]
    public async Task A_request_that_cannot_get_a_connection_in_time_gets_503_with_Retry_After_not_500()
    {
        // One connection, waited for one second: a request holding it makes the next one wait, then give up.
        var tiny = new Npgsql.NpgsqlConnectionStringBuilder(api.ConnectionString) { MaxPoolSize = 1, Timeout = 1 }
            .ConnectionString;
        await using var factory = new ApiFactory(tiny, new FixedClock(ApiFixture.Now));
        using var http = factory.CreateClient();
        await using var blocker = await LockCoinsAsync();

        var holding = http.GetAsync("/stock/acala/usd"); // waits on the lock, holding the pool's one connection
        await Eventually.Until(async () => await WaitingOnLockAsync(), n => n == 1, TimeSpan.FromSeconds(10),
            "the first request waiting on the lock");
        var refused = await http.GetAsync("/stock/1move%20token/usd");
        await blocker.DisposeAsync();

        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter!.Delta.Should().BePositive();
        refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonDocument.Parse(await refused.Content.ReadAsStringAsync())
            .RootElement.GetProperty("title").GetString().Should().Be("Database busy");
        (await holding).StatusCode.Should().Be(HttpStatusCode.OK,
            "the request that waited on the lock completes once it is let go");
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task A_request_still_waiting_on_the_database_at_its_deadline_is_cancelled_with_503_and_Retry_After()
    {
        await using var factory = new ApiFactory(
            api.ConnectionString,
            new FixedClock(ApiFixture.Now),
            ("Api:RequestTimeoutSeconds", "1"));
        using var http = factory.CreateClient();
        await using var blocker = await LockCoinsAsync();

        var late = await http.GetAsync("/stock/acala/usd"); // waits on the lock past its deadline
        // The query is cancelled in the database too, not left waiting for the lock.
        await Eventually.Until(async () => await WaitingOnLockAsync(), n => n == 0, TimeSpan.FromSeconds(10),
            "the cancelled query to leave the database");
        await blocker.DisposeAsync();

        late.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        late.Headers.RetryAfter!.Delta.Should().BePositive();
        late.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await http.GetAsync("/stock/acala/usd")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>
    /// A connection holding the coin table locked in a transaction until it is disposed (closing rolls back): a request
    /// then waits on the database as long as the test likes.
    /// </summary>
    private async Task<Npgsql.NpgsqlConnection> LockCoinsAsync()
    {
        var blocker = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await blocker.OpenAsync();
        var tx = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("LOCK TABLE coin IN ACCESS EXCLUSIVE MODE", transaction: tx);
        return blocker;
    }

    /// <summary>
    /// Queries waiting on a lock, seen from a connection of its own
    /// (inside the blocker's transaction the view would stand still).
    /// </summary>
    private async Task<int> WaitingOnLockAsync()
    {
        await using var probe = new Npgsql.NpgsqlConnection(api.ConnectionString);
        return await probe.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM pg_stat_activity "
                + "WHERE wait_event_type = 'Lock' AND datname = current_database()");
    }
}
