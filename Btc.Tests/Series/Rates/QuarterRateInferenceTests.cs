using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Rates;

namespace Btc.Tests.Series.Rates;

public sealed class QuarterRateInferenceTests
{
    private static readonly DateTime Quarter = new(2026, 12, 1, 10, 15, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(30)]
    [InlineData(0)]
    [InlineData(45)]
    public void The_spans_start_where_the_rates_move_and_reproduce_every_answer(int moveAt)
    {
        var random = new Random(moveAt);
        // usd, eur and a crypto vs-currency whose rate moves with its own coin, at other seconds.
        var coins = Enumerable.Range(0, 300).Select(c => Coin(random, c, moveAt)).ToArray();

        var rates = QuarterRateInference.Infer(Quarter, coins, baseColumn: 0, columns: 3);

        rates.Offset.Should().Be(moveAt);
        var (reproduced, answers) = (0, 0);
        foreach (var coin in coins)
        {
            for (var i = 0; i < coin.Seconds.Length; i++)
            {
                answers++;
                var predicted = Decimal15.Predict(coin.Columns[0][i]!.Value, rates.Of(coin.Seconds[i], 1)!.Value);
                if (BitConverter.DoubleToInt64Bits(predicted!.Value) == BitConverter.DoubleToInt64Bits(
                        coin.Columns[1][i]!.Value))
                    reproduced++;
            }
        }
        reproduced.Should().Be(answers, "every eur answer is round15(usd × the rate of its moment)");
    }

    /// <summary>A coin's quarter: one sample a minute at its own second; eur/usd moves at second moveAt.</summary>
    private static PieceData Coin(Random random, int coin, int moveAt)
    {
        var second = coin % 60;
        var seconds = Enumerable.Range(0, 15).Select(m => m * 60 + second).ToArray();
        var usd = seconds.Select(_ => (double?)Decimal15.Predict(1 + random.NextDouble() * 1e4, 1)).ToArray();
        var eur = seconds.Select((s, i) => Decimal15.Predict(usd[i]!.Value, EurUsd(s, moveAt))).ToArray();
        var crypto = seconds.Select((s, i) => Decimal15.Predict(usd[i]!.Value, 1 / (90_000.0 + s))).ToArray();
        return new PieceData(seconds, [usd, eur, crypto]);
    }

    private static double EurUsd(int second, int moveAt) =>
        0.86 + 0.0001 * Math.Floor((second - moveAt) / 60.0);
}
