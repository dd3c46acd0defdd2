using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;

namespace Btc.Tests.Ingestion;

/// <summary>
/// The simulator's history endpoints tell the same walk /simple/price follows, and its monthly cap holds.
/// </summary>
public sealed class SimulatorHistoryTests
{
    [Fact]
    public async Task Market_chart_range_points_are_what_simple_price_said_at_their_minutes_before_the_start_too()
    {
        await using var sim = await Simulator.StartAsync(coins: 40);
        var coin = sim.Market.Coins.First(c => c.Kind == CoinKind.Live);
        // The coin's updates land on 5-minute marks, where a chart within a day has its points.
        await sim.AdvanceAsync((int)((5 - sim.Market.LastUpdate(coin, sim.Market.Now).Minute % 5) % 5));
        var said = new List<(long At, double Usd)>();
        for (var i = 0; i < 4; i++)
        {
            var answer = (await sim.Client.GetFromJsonAsync<JsonElement>(
                    $"/api/v3/simple/price?ids={Uri.EscapeDataString(coin.Id)}"
                    + "&vs_currencies=usd&include_last_updated_at=true"))
                .GetProperty(coin.Id);
            said.Add((answer.GetProperty("last_updated_at").GetInt64(), answer.GetProperty("usd").GetDouble()));
            await sim.AdvanceAsync(5);
        }

        var chart = await sim.ChartAsync(coin.Id, "usd", said[0].At - 7200, said[^1].At);

        chart.Keys.Zip(chart.Keys.Skip(1), (a, b) => b - a).Should().OnlyContain(step => step == 300,
            "5-minute points within a day of now");
        chart.Keys.First().Should().BeLessThan(said[0].At - 7000, "the walk is told before the simulator started too");
        foreach (var (at, usd) in said)
            chart[at].Should().BeApproximately(usd, usd * 1e-12);
    }

    [Fact]
    public async Task History_of_a_day_is_the_walk_at_midnight_in_every_currency_and_a_wider_range_is_hourly()
    {
        await using var sim = await Simulator.StartAsync(coins: 40);
        var coin = sim.Market.Coins.First(c => c.Kind == CoinKind.Live);
        var day = DateOnly.FromDateTime(sim.Market.Now.UtcDateTime).AddDays(-3);
        var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();

        var date = day.ToString("dd-MM-yyyy", CultureInfo.InvariantCulture);
        var history = await sim.Client.GetFromJsonAsync<JsonElement>(
            $"/api/v3/coins/{Uri.EscapeDataString(coin.Id)}/history?date={date}");
        var chart = await sim.ChartAsync(coin.Id, "eur", midnight - 86_400, midnight + 86_400);

        var prices = history.GetProperty("market_data").GetProperty("current_price");
        prices.EnumerateObject()
            .Select(p => p.Name).Should().Contain(["usd", "eur", "btc"]).And.HaveCount(Market.InitialCurrencies.Length);
        var point = chart.Single(p => p.Key >= midnight && p.Key < midnight + 60);
        prices.GetProperty("eur").GetDouble().Should().BeApproximately(point.Value, point.Value * 1e-12);
        chart.Keys.Zip(chart.Keys.Skip(1), (a, b) => b - a).Should().OnlyContain(step => step == 3600,
            "hourly points within 90 days");
    }

    [Fact]
    public async Task A_monthly_cap_answers_429_once_the_month_s_calls_are_spent_until_the_market_s_month_turns()
    {
        await using var sim = await Simulator.StartAsync(coins: 10, "CallsPerMonth=3");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await sim.Client.GetAsync("/api/v3/ping")).StatusCode);

        statuses.Should().Equal(
            HttpStatusCode.OK,
            HttpStatusCode.OK,
            HttpStatusCode.OK,
            HttpStatusCode.TooManyRequests);
        (await sim.Client.GetFromJsonAsync<JsonElement>("/sim/calls/month"))
            .GetProperty("calls").GetInt32().Should().Be(3);

        // The month turns on the market's clock (frozen here), not the calendar the test happens to run on.
        var now = sim.Market.Now;
        var next = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        await sim.AdvanceAsync((int)Math.Ceiling((next - now).TotalMinutes));
        (await sim.Client.GetAsync("/api/v3/ping")).StatusCode.Should().Be(HttpStatusCode.OK);
        var month = await sim.Client.GetFromJsonAsync<JsonElement>("/sim/calls/month");
        month.GetProperty("month").GetString().Should().Be(next.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        month.GetProperty("calls").GetInt32().Should().Be(1);
    }
}
