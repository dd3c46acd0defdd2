using Btc.Data.Currencies;
using Btc.Data.Volatility;

namespace Btc.Tests.Volatility;

/// <summary>The ranking maths on its own, no database: what the recompute writes is what this returns.</summary>
public sealed class VolatilityRankerTests
{
    private static readonly Currency Usd = new(1, "usd", "usd");
    private static readonly Currency Eur = new(2, "eur", "eur");

    [Fact]
    public void The_most_volatile_coin_ranks_first_and_equal_volatilities_share_a_rank()
    {
        var window = new Dictionary<int, CoinSegments>
        {
            [10] = Coin(usd: [100, 101, 100, 101]),
            [11] = Coin(usd: [100, 150, 80, 160]),
            [12] = Coin(usd: [100, 101, 100, 101]),
            [13] = Coin(usd: [5, 5, 5, 5]),
        };

        var ranking = VolatilityRanker.Rank([Usd], window);

        Ranks(ranking, VolatilityMeasure.LogReturnStddev)
            .Should().Equal(new Dictionary<int, int> { [11] = 1, [10] = 2, [12] = 2, [13] = 4 });
        Ranks(ranking, VolatilityMeasure.PriceStddev)
            .Should().Equal(new Dictionary<int, int> { [11] = 1, [10] = 2, [12] = 2, [13] = 4 });
        ranking.Counts.Should().BeEquivalentTo(
        [
            new RankedCount(1, VolatilityMeasure.LogReturnStddev, 4),
            new RankedCount(1, VolatilityMeasure.PriceStddev, 4),
        ]);
        ranking.Ranks.Should().Be(8);
    }

    [Fact]
    public void The_volatility_stored_beside_a_rank_is_the_sample_standard_deviation_of_the_window()
    {
        double[] prices = [100, 110, 99, 121];
        var ranking = VolatilityRanker.Rank([Usd], new Dictionary<int, CoinSegments> { [1] = Coin(usd: prices) });

        var mean = prices.Average();
        var priceStddev = Math.Sqrt(prices.Sum(p => (p - mean) * (p - mean)) / (prices.Length - 1));
        var returns = prices.Zip(prices.Skip(1), (a, b) => Math.Log(b / a)).ToArray();
        var meanReturn = returns.Average();
        var returnStddev = Math.Sqrt(returns.Sum(r => (r - meanReturn) * (r - meanReturn)) / (returns.Length - 1));
        Row(ranking, 1, VolatilityMeasure.PriceStddev).Volatility[0].Should().BeApproximately(priceStddev, 1e-9);
        Row(ranking, 1, VolatilityMeasure.LogReturnStddev).Volatility[0].Should().BeApproximately(returnStddev, 1e-12);
    }

    [Fact]
    public void A_coin_with_too_few_prices_in_a_currency_is_not_ranked_there_and_not_counted()
    {
        var window = new Dictionary<int, CoinSegments>
        {
            [1] = Coin(usd: [1, 2, 3, 5], eur: [1, 2]), // two prices: a price spread, but only one log return
            [2] = Coin(usd: [1, 2, 4, 8], eur: []), // steady doubling: no spread of log returns, the widest of prices
        };

        var ranking = VolatilityRanker.Rank([Usd, Eur], window);

        Row(ranking, 1, VolatilityMeasure.PriceStddev).Rank.Should().Equal(2, 1);
        Row(ranking, 1, VolatilityMeasure.LogReturnStddev).Rank.Should().Equal(1, null);
        Row(ranking, 2, VolatilityMeasure.PriceStddev).Rank.Should().Equal(1, null);
        ranking.Counts.Should().Contain(new RankedCount(2, VolatilityMeasure.PriceStddev, 1))
            .And.NotContain(c => c.CurrencyKey == 2 && c.Measure == VolatilityMeasure.LogReturnStddev);
    }

    [Fact]
    public void No_window_ranks_nothing()
    {
        var ranking = VolatilityRanker.Rank([Usd, Eur], new Dictionary<int, CoinSegments>());

        (ranking.Coins.Count, ranking.Counts.Count, ranking.Ranks).Should().Be((0, 0, 0));
    }

    private static CoinSegments Coin(double[] usd, double[]? eur = null)
    {
        var coin = new CoinSegments(2);
        foreach (var price in usd)
            coin.ByCurrency[0].Add(price);
        foreach (var price in eur ?? [])
            coin.ByCurrency[1].Add(price);
        return coin;
    }

    private static CoinRanks Row(VolatilityRanking ranking, int coinKey, VolatilityMeasure measure) =>
        ranking.Coins.Single(c => c.CoinKey == coinKey && c.Measure == measure);

    private static Dictionary<int, int> Ranks(VolatilityRanking ranking, VolatilityMeasure measure) =>
        ranking.Coins.Where(c => c.Measure == measure && c.Rank[0] is not null)
            .ToDictionary(c => c.CoinKey, c => c.Rank[0]!.Value);
}
