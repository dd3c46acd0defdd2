using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;

namespace Btc.Tests.Ingestion;

/// <summary>
/// The simulator's prices are shaped like CoinGecko's: a USD price times a rate shared by every coin, to 15 digits;
/// sats and bits are btc scaled, bmd is usd; independent walks stay an option.
/// </summary>
public sealed class SimulatorShapeTests
{
    // A few units of the 15th significant digit: each price is rounded to 15 digits once after its multiplication.
    private const double Digits15 = 2e-14;

    private sealed record Answer(string Id, long UpdatedAt, IReadOnlyDictionary<string, JsonElement> Prices)
    {
        public double this[string code] => Prices[code].GetDouble();
        public long RateMinute => CurrencyRates.RateMinute(UpdatedAt);
    }

    [Fact]
    public async Task Eur_over_usd_is_the_rate_of_the_moment_for_every_coin_and_one_answer_holds_two_rates()
    {
        await using var sim = await Simulator.StartAsync(coins: 200);
        // Coins update at seconds 0 to 49; at second 45 those past the change (30 to 45) carry this minute's rate and
        // the rest the previous one. The clock froze wherever the real minute was, so set the second, not chance.
        sim.Market.Advance(TimeSpan.FromSeconds((105 - sim.Market.Now.Second) % 60));

        var answers = await LiveAnswersAsync(sim, "usd", "eur");

        answers.Should().HaveCountGreaterThan(100);
        var byRate = answers.GroupBy(a => a.RateMinute).ToArray();
        byRate.Should().HaveCountGreaterThanOrEqualTo(2,
            "coins updated before the minute's rate change carry the previous minute's rate");
        foreach (var group in byRate)
        {
            var rate = sim.Market.Rates.Rate("eur", group.Key);
            foreach (var answer in group)
                (answer["eur"] / answer["usd"]).Should().BeApproximately(rate, rate * Digits15, answer.Id);
        }
        var rates = byRate.Select(g => sim.Market.Rates.Rate("eur", g.Key)).ToArray();
        rates.Should().OnlyHaveUniqueItems("the rate moves every minute");
    }

    [Fact]
    public async Task Sats_and_bits_are_btc_scaled_bmd_is_usd_and_every_price_has_at_most_15_digits()
    {
        await using var sim = await Simulator.StartAsync(coins: 100);

        var answers = await LiveAnswersAsync(sim, [.. Market.InitialCurrencies]);

        answers.Should().HaveCountGreaterThan(50);
        foreach (var answer in answers)
        {
            var btc = answer["btc"];
            answer["sats"].Should().BeApproximately(btc * 1e8, answer["sats"] * Digits15, answer.Id);
            answer["bits"].Should().BeApproximately(btc * 1e6, answer["bits"] * Digits15, answer.Id);
            answer["bmd"].Should().Be(answer["usd"], answer.Id);
            answer.Prices.Values.Select(p => SignificantDigits(p.GetRawText())).Should().OnlyContain(d => d <= 15);
        }
    }

    [Fact]
    public async Task A_coin_answered_in_two_consecutive_minutes_shows_the_rate_move()
    {
        await using var sim = await Simulator.StartAsync(coins: 40);
        var before = (await LiveAnswersAsync(sim, "usd", "jpy"))[0];

        await sim.AdvanceAsync(1);
        var after = (await LiveAnswersAsync(sim, "usd", "jpy")).Single(a => a.Id == before.Id);

        after.RateMinute.Should().Be(before.RateMinute + 1);
        var (was, now) = (before["jpy"] / before["usd"], after["jpy"] / after["usd"]);
        was.Should().BeApproximately(sim.Market.Rates.Rate("jpy", before.RateMinute), was * Digits15);
        now.Should().BeApproximately(sim.Market.Rates.Rate("jpy", after.RateMinute), now * Digits15);
        Math.Abs(now / was - 1).Should().BeGreaterThan(1e-9, "far beyond the 15-digit rounding");
    }

    [Fact]
    public async Task Independent_walks_give_every_coin_its_own_ratio()
    {
        await using var sim = await Simulator.StartAsync(coins: 60, "Currencies=Independent");
        // The walks start from one ratio; an hour of independent steps sets them apart.
        await sim.AdvanceAsync(60);

        var answers = await LiveAnswersAsync(sim, "usd", "eur");

        var ratios = answers.GroupBy(a => a.RateMinute).OrderByDescending(g => g.Count()).First()
            .Select(a => a["eur"] / a["usd"]).ToArray();
        ratios.Should().HaveCountGreaterThan(5);
        (ratios.Max() / ratios.Min() - 1).Should().BeGreaterThan(1e-4);
    }

    [Fact]
    public async Task Market_chart_and_history_points_follow_the_same_shape()
    {
        await using var sim = await Simulator.StartAsync(coins: 40, "ChartMinutes=1");
        var coin = sim.Market.Coins.First(c => c.Kind == CoinKind.Live);
        var to = sim.Market.LastUpdate(coin, sim.Market.Now).At.ToUnixTimeSeconds();

        var usd = await sim.ChartAsync(coin.Id, "usd", to - 3600, to);
        var eur = await sim.ChartAsync(coin.Id, "eur", to - 3600, to);

        usd.Keys.Should().Equal(eur.Keys).And.HaveCountGreaterThan(50);
        foreach (var (at, price) in usd)
        {
            var rate = sim.Market.Rates.Rate("eur", CurrencyRates.RateMinute(at));
            (eur[at] / price).Should().BeApproximately(rate, rate * Digits15);
        }
        await HistoryShouldBeShapedAsync(sim, coin, DateOnly.FromDateTime(sim.Market.Now.UtcDateTime).AddDays(-2));
    }

    [Fact]
    public void A_crypto_currency_s_rate_is_one_over_its_coin_s_usd_price_where_the_market_has_that_coin()
    {
        var market = new Market(new SimulatorOptions { Coins = 15_000 });
        var bitcoin = market.Find("bitcoin");
        bitcoin.Should().NotBeNull("the catalog of 15,000 coins holds an id 'bitcoin'");
        var (minute, at) = market.LastUpdate(bitcoin!, market.Now);
        var second = at.ToUnixTimeSeconds() % 60;

        var btc = market.History(bitcoin!, "btc", minute - 120, minute, 60).ToArray();

        btc.Should().HaveCount(3);
        foreach (var (updated, inBtc) in btc)
        {
            var rateMinute = CurrencyRates.RateMinute(updated * 60 + second);
            var usdThen = market.History(bitcoin!, "usd", rateMinute, rateMinute, 1).Single().Price;
            var rate = market.Rates.Rate("btc", rateMinute);
            (1 / rate).Should().BeApproximately(usdThen, usdThen * Digits15);
            inBtc.Should().BeApproximately(1, Digits15 + Math.Abs(rateMinute - updated) * 0.2,
                "bitcoin in btc is 1, or a minute's move of it under the previous minute's rate");
        }
        market.Rates.Rate("eth", minute).Should().BePositive("no coin 'ethereum' here: its rate walks");
    }

    [Fact]
    public void Rounding_to_15_digits_gives_what_G15_formatting_and_parsing_give()
    {
        var random = new Random(7);
        for (var i = 0; i < 200_000; i++)
        {
            var value = (random.NextDouble() + 0.1) * Math.Pow(10, random.Next(-30, 40)) * (i % 2 == 0 ? 1 : -1);
            var rounded = Decimal15.Round(value);
            var viaText = double.Parse(
                value.ToString("G15", CultureInfo.InvariantCulture),
                CultureInfo.InvariantCulture);
            rounded.Should().Be(viaText, "rounding {0:R}", value);
            SignificantDigits(rounded.ToString("R", CultureInfo.InvariantCulture)).Should().BeLessThanOrEqualTo(15);
        }
        Decimal15.Round(0.0).Should().Be(0.0);
        Decimal15.Round(67187.33589365661234).Should().Be(67187.3358936566);
    }

    private static async Task HistoryShouldBeShapedAsync(Simulator sim, SimulatedCoin coin, DateOnly day)
    {
        var date = day.ToString("dd-MM-yyyy", CultureInfo.InvariantCulture);
        var data = (await sim.Client.GetFromJsonAsync<JsonElement>(
            $"/api/v3/coins/{Uri.EscapeDataString(coin.Id)}/history?date={date}")).GetProperty("market_data");
        var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
        var offset = sim.Market.LastUpdate(coin, sim.Market.Now).At.ToUnixTimeSeconds() % 60;
        var rate = sim.Market.Rates.Rate("eur", CurrencyRates.RateMinute(midnight + offset));
        foreach (var field in new[] { "current_price", "market_cap", "total_volume" })
        {
            var prices = data.GetProperty(field);
            var (inUsd, inEur) = (prices.GetProperty("usd").GetDouble(), prices.GetProperty("eur").GetDouble());
            (inEur / inUsd).Should().BeApproximately(rate, rate * 2 * Digits15, field);
            prices.GetProperty("bmd").GetDouble().Should().Be(inUsd, field);
        }
        var current = data.GetProperty("current_price");
        var btc = current.GetProperty("btc").GetDouble();
        current.GetProperty("sats").GetDouble().Should().BeApproximately(btc * 1e8, btc * 1e8 * Digits15);
    }

    /// <summary>The answers of the market's live coins (partial ones lack currencies) in these currencies.</summary>
    private static async Task<IReadOnlyList<Answer>> LiveAnswersAsync(Simulator sim, params string[] currencies)
    {
        var ids = sim.Market.Coins.Where(c => c.Kind == CoinKind.Live).Select(c => Uri.EscapeDataString(c.Id));
        var json = await sim.Client.GetFromJsonAsync<JsonElement>(
            $"/api/v3/simple/price?ids={string.Join(',', ids)}&vs_currencies={string.Join(',', currencies)}"
            + "&include_last_updated_at=true");
        return json.EnumerateObject()
            .Select(coin => new Answer(
                coin.Name,
                coin.Value.GetProperty("last_updated_at").GetInt64(),
                coin.Value.EnumerateObject().Where(p => p.Name != "last_updated_at")
                    .ToDictionary(p => p.Name, p => p.Value)))
            .OrderBy(a => a.Id, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>Significant digits of a JSON or round-trip number: the mantissa less leading and trailing 0s.</summary>
    private static int SignificantDigits(string number)
    {
        var mantissa = number.Split('e', 'E')[0].TrimStart('-').Replace(".", "", StringComparison.Ordinal);
        return mantissa.TrimStart('0').TrimEnd('0').Length;
    }
}
