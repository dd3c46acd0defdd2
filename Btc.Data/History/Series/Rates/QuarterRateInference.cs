using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Series.Rates;

/// <summary>
/// A quarter's rates from its own answers (the samples the cycles stored; no extra CoinGecko call): for each minute
/// span and currency, the rate that reproduces the most coins' answers from their usd price
/// (<see cref="RateInference"/>). Rates change at some second of each minute, so a minute's answers hold two rates:
/// the spans start at the second (of 0, 5, … 55) whose spans hold the most answers at one ratio to usd.
/// </summary>
public static class QuarterRateInference
{
    // Rates are the same for every coin: a hundred coins' answers (~90 a minute span) settle them; more only cost time.
    private const int MaxCoins = 100;
    private const int ProbeCoins = 50;

    /// <param name="coins">Each coin's samples of the quarter, seconds after its start.</param>
    public static QuarterRates Infer(DateTime quarter, IReadOnlyList<PieceData> coins, int baseColumn, int columns)
    {
        var used = coins.Count <= MaxCoins ? coins
            : Enumerable.Range(0, MaxCoins).Select(i => coins[i * coins.Count / MaxCoins]).ToArray();
        // Every currency probes the offset (crypto vs-currencies move with their coin, not at the minute's second),
        // over fewer coins.
        var probes = Enumerable.Range(0, columns).Where(c => c != baseColumn).ToArray();
        var probing = used.Take(ProbeCoins).ToArray();
        var offset = Enumerable.Range(0, 12).Select(step => step * 5)
            .MaxBy(o => Consistent(Answers(probing, baseColumn, probes, o)));
        var inferred = RateInference.InferCycle(Answers(used, baseColumn, probes, offset));
        var rates = Enumerable.Repeat(double.NaN, QuarterRates.Spans * columns).ToArray();
        foreach (var ((span, column), rate) in inferred)
            rates[(span + 1) * columns + column] = rate.Rate;
        return new QuarterRates(quarter, offset, columns, rates);
    }

    /// <summary>
    /// How many answers lie within a few units of the 15th digit of their span's median value / usd: with the spans
    /// cut where the rate moves, nearly all; cut elsewhere, a span mixes two rates. Cheap enough to try every offset,
    /// where inferring the rates for each would cost most of a pack.
    /// </summary>
    private static int Consistent(IEnumerable<RateAnswer> answers)
    {
        var consistent = 0;
        foreach (var span in answers.GroupBy(a => (a.Minute, a.Currency)))
        {
            var ratios = span.Select(a => a.Value / a.Base).Order().ToArray();
            var median = ratios[ratios.Length / 2];
            consistent += ratios.Count(r => Math.Abs(r / median - 1) <= RatioTolerance);
        }
        return consistent;
    }

    // Two roundings to 15 significant digits move a ratio by at most ~1e-15 of itself; a rate's move, by far more.
    private const double RatioTolerance = 5e-14;

    private static IEnumerable<RateAnswer> Answers(
        IReadOnlyList<PieceData> coins, int baseColumn, int[] columns, int offset)
    {
        foreach (var coin in coins)
        {
            for (var i = 0; i < coin.Seconds.Length; i++)
            {
                if (coin.Columns[baseColumn][i] is not { } usd)
                    continue;
                var span = QuarterRates.Span(coin.Seconds[i], offset);
                foreach (var c in columns)
                {
                    if (coin.Columns[c][i] is { } value)
                        yield return new RateAnswer(span, c, usd, value);
                }
            }
        }
    }
}
