using System.Net;
using System.Text.Json;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.History;
using Btc.Data.Polling;
using Btc.Data.Volatility;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;
using Btc.Tests.Scaling;

namespace Btc.Tests.Warmup;

/// <summary>
/// A started API process serves the page's first reads to itself before it says ready, through its key check, and
/// the key it used for that opens nothing afterwards.
/// </summary>
public sealed class WarmupTests
{
    [Fact]
    public async Task Before_ready_the_api_has_served_the_top_coin_s_series_to_itself_and_lets_no_keyless_request_in()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await SeedAsync(db);
        using var api = await ApiProcess.StartAsync(db.ConnectionString, ("Api__RequireKey", "true"));

        (await WarmedUpAsync(api)).Should()
            .MatchRegex("^Warmed up: the page's [0-9]+ files and 10 reads in [0-9]+ ms, 0 of them failed.$");
        (await ApiReplicas.ServedAsync(api, "/stock/{stock_id}/{currency}")).Should()
            .Be(4, "the top coin's 24 h line, its filled points, and its hour and day bars, asked by no test");
        (await ApiReplicas.ServedAsync(api, "/volatility")).Should().Be(1);
        (await api.Http.GetAsync("/stock/warm-a/usd")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var guessed = new HttpRequestMessage(HttpMethod.Get, "/stock/warm-a/usd");
        guessed.Headers.Add("X-Api-Key", Convert.ToBase64String(new byte[32]));
        (await api.Http.SendAsync(guessed)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_new_install_with_nothing_to_chart_is_ready_after_the_reads_it_has()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        using var api = await ApiProcess.StartAsync(db.ConnectionString);

        (await WarmedUpAsync(api)).Should()
            .MatchRegex("^Warmed up: the page's [0-9]+ files and 5 reads in [0-9]+ ms, 0 of them failed.$");
        (await ApiReplicas.ServedAsync(api, "/stock/{stock_id}/{currency}")).Should().Be(0);
    }

    /// <summary>What the warm-up check says once the API is ready.</summary>
    private static async Task<string?> WarmedUpAsync(ApiProcess api)
    {
        var ready = await Eventually.Until(
            async () => await api.Http.GetAsync("/health/ready"),
            response => response.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the API ready");
        var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        return checks.GetProperty("warm-up").GetProperty("description").GetString();
    }

    /// <summary>Two coins with a price a minute over the last two hours, ranked: warm-a the more volatile.</summary>
    private static async Task SeedAsync(DatabaseFixture db)
    {
        var now = DateTime.UtcNow;
        string[] ids = ["warm-a", "warm-b"];
        var coins = new CoinStore(db.DataSource);
        await coins.UpsertListAsync(ids.Select(id => new CoinListEntry(id, id[^1..], id)).ToArray());
        var tracked = await coins.SetTrackedAsync(ids);
        var cycleId = await new PollCycleStore(db.DataSource).CreateAsync("seed", now, [tracked]);
        await new PricePartitions(db.DataSource)
            .EnsureAsync(DateOnly.FromDateTime(now.AddDays(-1)), DateOnly.FromDateTime(now));
        foreach (var (id, swing) in ids.Zip([0.05, 0.001]))
        {
            var points = Enumerable.Range(1, 120).Select(i => now.AddMinutes(-i))
                .Select((at, i) => (at, (double?)(10 * (1 + swing * (i % 2))), (double?)null));
            await Samples.InsertAsync(db.DataSource, cycleId, id, points);
        }
        var currencies = await new CurrencyStore(db.DataSource).ListAsync();
        await new VolatilityStore(db.DataSource).RecomputeAsync(currencies, now);
    }
}
