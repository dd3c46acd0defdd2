using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Dapper;

namespace Btc.Tests.Api;

/// <summary>What a page job stores is served on the next request: the API's caches give way to every commit.</summary>
[Collection(HangfireCollection.Name)]
public sealed class FreshnessTests
{
    [Fact]
    public async Task A_sample_stored_by_a_page_job_is_in_the_series_and_in_stock_on_the_next_request()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        // The market's clock starts behind the real one, so that moving it on never dates a price in the future.
        await coinGecko.AdvanceAsync(-10);
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var client = api.CreateClient();

        (await client.GetFromJsonAsync<string[]>("/stock")).Should().BeEmpty("nothing is stored yet");

        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        var first = await NewestSamplesAsync(db);
        var ids = await client.GetFromJsonAsync<string[]>("/stock");
        ids.Should().Equal(first.Keys.Order(StringComparer.Ordinal), "every coin with a price in the last 24 hours, from its page's commit on");
        foreach (var id in ids!)
        {
            var series = await client.GetFromJsonAsync<double[][]>($"/stock/{Uri.EscapeDataString(id)}/{first[id].Currency}");
            series.Should().NotBeEmpty($"'{id}' is listed by /stock").And.ContainSingle();
            series![0].Should().Equal(first[id].UnixSeconds, first[id].Price);
        }

        await coinGecko.AdvanceAsync(2);
        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        var second = await NewestSamplesAsync(db);
        var coin = ids.Last(id => first[id].Currency == "usd" && second[id].Currency == "usd");
        second[coin].UnixSeconds.Should().BeGreaterThan(first[coin].UnixSeconds, "the simulator's clock moved on");
        var latest = await client.GetFromJsonAsync<double[][]>($"/stock/{Uri.EscapeDataString(coin)}/usd");
        latest.Should().HaveCount(2, "the answer cached before the second cycle gave way to it");
        latest![^1].Should().Equal(second[coin].UnixSeconds, second[coin].Price);
    }

    [Fact]
    public async Task Ranks_are_as_of_the_last_completed_cycle_and_say_so()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        await coinGecko.AdvanceAsync(-10);
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var client = api.CreateClient();

        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        await coinGecko.AdvanceAsync(2);
        worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        var coin = (await client.GetFromJsonAsync<string[]>("/stock"))![0];

        var response = await Eventually.Until(
            () => client.GetAsync($"/stock/{Uri.EscapeDataString(coin)}/usd/volatility_rank?measure=price_stddev"),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the ranks after the second cycle");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("as_of").GetDateTime().Should().BeCloseTo(cycle.FinishedAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    /// <summary>Each coin's newest sample in the last 24 hours, with a currency it has a price in (usd when it has one).</summary>
    private static async Task<Dictionary<string, (long UnixSeconds, string Currency, double Price)>> NewestSamplesAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Id, long UnixSeconds, string Currency, double Price)>("""
            SELECT DISTINCT ON (c.id) c.id, extract(epoch FROM p.last_updated_at)::bigint, q.code, q.price
            FROM price_sample p JOIN coin c USING (coin_key)
            CROSS JOIN LATERAL (
                SELECT cu.code, (to_jsonb(p) ->> cu.column_name)::float8 AS price
                FROM currency cu
                WHERE to_jsonb(p) ->> cu.column_name IS NOT NULL
                ORDER BY cu.code <> 'usd', cu.currency_key
                LIMIT 1) q
            WHERE p.last_updated_at >= now() - interval '24 hours'
            ORDER BY c.id, p.last_updated_at DESC
            """);
        return rows.ToDictionary(r => r.Id, r => (r.UnixSeconds, r.Currency, r.Price));
    }
}
