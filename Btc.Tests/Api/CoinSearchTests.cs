using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Data.Coins;
using Btc.Data.Freshness;
using Btc.Data.History;
using Btc.Data.Polling;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Api;

/// <summary>Coins with prices named like CoinGecko's, and the API over them with its clock stopped at Now.</summary>
public sealed class CoinSearchFixture : DatabaseFixture
{
    public static readonly DateTime Now = new(2026, 11, 20, 12, 30, 25, DateTimeKind.Utc);

    public ApiFactory Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public int CycleId { get; private set; }

    /// <summary>Id, symbol, name; all priced in the last 24 hours but the last two.</summary>
    public static readonly CoinListEntry[] Coins =
    [
        new("btc", "old", "Old Btc"), new("bitcoin", "btc", "Bitcoin"), new("btc-bridge", "bb", "BTC Bridge"),
        new("btcpay", "pay", "Pay"), new("zzz", "btcz", "Zed"), new("a-btc", "abtc", "Alpha BTC"),
        new("bitcoin-cash", "bch", "Bitcoin Cash"), new("wrapped-bitcoin", "wbtc", "Wrapped Bitcoin"),
        new("cashaa", "cas", "Cashaa"), new("late-comer", "late", "Late Comer"), new("btc-old", "bo", "BTC Old"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var store = new CoinStore(DataSource);
        await store.UpsertListAsync(Coins);
        var tracked = await store.SetTrackedAsync(Coins.Select(c => c.Id).ToArray());
        CycleId = await new PollCycleStore(DataSource).CreateAsync("seed", Now, [tracked]);
        await new PricePartitions(DataSource)
            .EnsureAsync(DateOnly.FromDateTime(Now.AddDays(-3)), DateOnly.FromDateTime(Now.AddDays(1)));
        foreach (var coin in Coins[..^2])
            await Samples.InsertAsync(DataSource, CycleId, coin.Id, [(Now.AddMinutes(-5), 1.0)]);
        await Samples.InsertAsync(DataSource, CycleId, "btc-old", [(Now.AddDays(-2), 1.0)]);
        Factory = new ApiFactory(ConnectionString, new FixedClock(Now));
        Client = Factory.CreateClient();
    }

    public override async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class CoinSearchTests(CoinSearchFixture api) : IClassFixture<CoinSearchFixture>
{
    [Theory]
    [InlineData("btc", "btc,bitcoin,btc-bridge,btcpay,zzz,a-btc")]
    [InlineData("BTC", "btc,bitcoin,btc-bridge,btcpay,zzz,a-btc")]
    [InlineData("  btc ", "btc,bitcoin,btc-bridge,btcpay,zzz,a-btc")]
    [InlineData("bit", "bitcoin,bitcoin-cash,wrapped-bitcoin")]
    [InlineData("cash", "cashaa,bitcoin-cash")]
    [InlineData("bitcoin c", "bitcoin-cash")]
    [InlineData("nothing-like-it", "")]
    public async Task Exact_id_then_exact_symbol_then_name_id_and_symbol_prefixes_then_a_word_of_the_name(
        string search, string expected)
    {
        var found = await SearchAsync($"/coins?search={Uri.EscapeDataString(search)}");

        string.Join(',', found.Select(c => c.Id)).Should().Be(expected,
            "ranked best first, ties in id order; coins without prices in the last 24 hours are not found");
    }

    [Fact]
    public async Task The_body_carries_id_symbol_and_name_and_limit_keeps_the_best()
    {
        var response = await api.Client.GetAsync("/coins?search=bit&limit=2");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetArrayLength().Should().Be(2);
        body[0].EnumerateObject().Select(p => p.Name).Should().Equal("id", "symbol", "name");
        (body[0].GetProperty("id").GetString(), body[0].GetProperty("symbol").GetString(),
            body[0].GetProperty("name").GetString()).Should().Be(("bitcoin", "btc", "Bitcoin"));
        body[1].GetProperty("id").GetString().Should().Be("bitcoin-cash");
    }

    [Theory]
    [InlineData("/coins", "Missing search")]
    [InlineData("/coins?search=", "Missing search")]
    [InlineData("/coins?search=%20%20", "Missing search")]
    [InlineData("/coins?search=btc&limit=0", "Limit out of range")]
    [InlineData("/coins?search=btc&limit=51", "Limit out of range")]
    [InlineData("/coins?search=btc&limit=ten", "Limit out of range")]
    [InlineData("/coins?search=btc&limit=-1", "Limit out of range")]
    public async Task Bad_input_is_a_400_problem(string path, string title)
    {
        var response = await api.Client.GetAsync(path);

        await ProblemShouldBeAsync(response, title);
    }

    [Fact]
    public async Task A_search_longer_than_100_characters_is_a_400_problem()
    {
        (await SearchAsync($"/coins?search={new string('b', 100)}")).Should().BeEmpty();

        await ProblemShouldBeAsync(
            await api.Client.GetAsync($"/coins?search={new string('b', 101)}"), "Search too long");
    }

    [Fact]
    public async Task A_coin_is_found_once_its_first_prices_are_committed()
    {
        (await SearchAsync("/coins?search=late")).Should().BeEmpty();

        await Samples.InsertAsync(
            api.DataSource, api.CycleId, "late-comer", [(CoinSearchFixture.Now.AddSeconds(-1), 2.0)]);
        await using (var connection = await api.DataSource.OpenConnectionAsync())
            await DataChanges.NotifyAsync(connection, default);

        var found = await Eventually.Until(() => SearchAsync("/coins?search=late"), f => f.Count > 0,
            TimeSpan.FromSeconds(15), "the newly priced coin found");
        found.Select(c => c.Id).Should().Equal("late-comer");
    }

    private async Task<IReadOnlyList<Match>> SearchAsync(string path)
    {
        var response = await api.Client.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Match[]>())!;
    }

    private static async Task ProblemShouldBeAsync(HttpResponseMessage response, string title)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("title").GetString().Should().Be(title);
        body.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace();
    }

    private sealed record Match(string Id, string Symbol, string Name);
}
