using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Api.Stocks;
using Btc.Data.Coins;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Api;

/// <summary>A coin with polled samples around a span filled from CoinGecko's history.</summary>
public sealed class FilledSeriesTests
{
    [Fact]
    public async Task A_series_holds_filled_points_says_how_many_and_source_picks_either()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        await new CoinStore(db.DataSource).UpsertListAsync([new CoinListEntry("gapcoin", "gap", "Gap Coin")]);
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd)
                SELECT coin_key, 1, @at, 10 FROM coin WHERE id = 'gapcoin'
                UNION ALL SELECT coin_key, 2, @later, 14 FROM coin WHERE id = 'gapcoin';
                INSERT INTO price_fill (coin_key, currency_key, at, price)
                SELECT c.coin_key, k.currency_key, @at + make_interval(mins => 5 * i), 10 + i
                FROM coin c, currency k, generate_series(1, 3) i WHERE c.id = 'gapcoin' AND k.code = 'usd';
                """, new { at = minute.AddMinutes(-30), later = minute.AddMinutes(-10) });
        }
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        var client = api.CreateClient();
        var t0 = new DateTimeOffset(minute.AddMinutes(-30)).ToUnixTimeSeconds();

        var all = await client.GetAsync("/stock/gapcoin/usd");
        all.StatusCode.Should().Be(HttpStatusCode.OK);
        all.Headers.GetValues(StockEndpoints.FilledHeader).Should().Equal("3");
        (await Points(all)).Should().Equal((t0, 10), (t0 + 300, 11), (t0 + 600, 12), (t0 + 900, 13), (t0 + 1200, 14));

        var filled = await client.GetAsync("/stock/gapcoin/usd?source=filled");
        filled.Headers.GetValues(StockEndpoints.FilledHeader).Should().Equal("3");
        (await Points(filled)).Should().Equal((t0 + 300, 11), (t0 + 600, 12), (t0 + 900, 13));

        var polled = await client.GetAsync("/stock/gapcoin/usd?source=POLLED");
        polled.Headers.GetValues(StockEndpoints.FilledHeader).Should().Equal("0");
        (await Points(polled)).Should().Equal((t0, 10), (t0 + 1200, 14));

        (await client.GetAsync("/stock/gapcoin/usd?interval=hour&source=polled"))
            .StatusCode.Should().Be(HttpStatusCode.OK, "bars are polled samples");
        foreach (var bad in new[] { "source=nonsense", "source=", "interval=hour&source=filled" })
        {
            var response = await client.GetAsync($"/stock/gapcoin/usd?{bad}");
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, bad);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
    }

    private static async Task<(long, double)[]> Points(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
            .Select(p => (p[0].GetInt64(), p[1].GetDouble())).ToArray();
}
