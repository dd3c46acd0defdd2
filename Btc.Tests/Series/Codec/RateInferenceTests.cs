using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// A minute's rate is found from the cycle's own answers, such that round15(usd × rate) gives them back.
/// </summary>
public sealed class RateInferenceTests
{
    private static readonly Random Random = new(42);

    [Theory]
    [InlineData(0.8727930123456789)]
    [InlineData(0.904527)]
    [InlineData(141.02502648)]
    [InlineData(1.0)]
    [InlineData(1.6683217845e-5)]
    [InlineData(1668.3217845123 * 1e-3 * 1e-2 * 1e8)]
    [InlineData(25_371.4447212)]
    public void A_rate_shared_by_every_coin_is_found_and_reproduces_every_answer(double rate)
    {
        var answers = Answers(300, rate);
        var inferred = RateInference.Infer(answers)!.Value;
        inferred.Reproduced.Should().Be(300, $"rate {rate:R}, inferred {inferred.Rate:R}");
        foreach (var (usd, value) in answers)
            Decimal15.Predict(usd, inferred.Rate).Should().Be(value);
    }

    [Fact]
    public void Sats_and_bits_follow_the_btc_rate_times_a_power_of_ten()
    {
        var btc = 1.0 / 91_234.5678901234;
        foreach (var factor in new[] { 1e8, 1e6 })
            RateInference.Infer(Answers(200, btc * factor))!.Value.Reproduced.Should().Be(200);
    }

    [Fact]
    public void A_minute_with_two_rates_gets_the_one_most_coins_were_answered_at()
    {
        var answers = Answers(120, 0.9041).Concat(Answers(80, 0.9043)).OrderBy(_ => Random.Next()).ToArray();
        var inferred = RateInference.Infer(answers)!.Value;
        inferred.Reproduced.Should().Be(120);
        inferred.Answers.Should().Be(200);
    }

    [Fact]
    public void Coins_with_values_of_their_own_do_not_hide_the_shared_rate()
    {
        var answers = Answers(100, 7.7777777).Concat(Enumerable.Range(0, 10).Select(i => (1.0 + i, 3.0 + i)))
            .Concat([(0.0, 1.0), (1.0, double.NaN), (double.MaxValue, 1.0)]).ToArray();
        var inferred = RateInference.Infer(answers)!.Value;
        inferred.Reproduced.Should().Be(100);
        inferred.Answers.Should().Be(113);
    }

    [Fact]
    public void A_cycle_is_inferred_per_minute_and_currency_and_nothing_usable_gives_no_rate()
    {
        RateInference.Infer([]).Should().BeNull();
        RateInference.Infer([(0.0, 0.0)]).Should().BeNull();
        var cycle = Answers(50, 0.9).Select(a => new RateAnswer(1, 26, a.Base, a.Value))
            .Concat(Answers(50, 150.5).Select(a => new RateAnswer(1, 34, a.Base, a.Value)))
            .Concat(Answers(50, 0.91).Select(a => new RateAnswer(2, 26, a.Base, a.Value)));
        var rates = RateInference.InferCycle(cycle);
        rates.Keys.Should().BeEquivalentTo(new[] { (1L, 26), (1L, 34), (2L, 26) });
        rates.Values.Should().OnlyContain(r => r.Reproduced == 50);
    }

    /// <summary>Coins from 10^-6 to 10^5 usd at 15 digits, each answered as round15(usd × rate).</summary>
    private static (double Base, double Value)[] Answers(int coins, double rate) =>
        Enumerable.Range(0, coins).Select(_ =>
        {
            var usd = CoinGeckoShapedData.Round15(Math.Exp(Random.NextDouble() * 25 - 14));
            return (usd, CoinGeckoShapedData.Round15(usd * rate));
        }).ToArray();
}
