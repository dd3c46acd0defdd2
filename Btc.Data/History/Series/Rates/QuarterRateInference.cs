using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Series.Rates;

/// <summary>
/// A quarter's rates from its own answers (the samples the cycles stored; no extra CoinGecko call): for each minute
/// span and currency, the rate that reproduces the most coins' answers from their usd price
/// (<see cref="RateInference"/>). Rates change at some second of each minute, so a minute's answers hold two rates:
/// the spans start at the second (of 0, 5, … 55) whose spans reproduce the most answers of a few probe currencies.
/// </summary>
public static class QuarterRateInference
{
    // Rates are the same for every coin: a few hundred coins' answers settle them; more only cost time.
    private const int MaxCoins = 400;
    private const int ProbeColumns = 3;

    /// <param name="coins">Each coin's samples of the quarter, seconds after its start.</param>
    public static QuarterRates Infer(DateTime quarter, IReadOnlyList<PieceData> coins, int baseColumn, int columns)
    {
        var used = coins.Count <= MaxCoins ? coins
            : Enumerable.Range(0, MaxCoins).Select(i => coins[i * coins.Count / MaxCoins]).ToArray();
        var probes = Enumerable.Range(0, columns).Where(c => c != baseColumn)
            .OrderByDescending(c => used.Sum(p => p.Columns[c].Count(v => v is not null))).Take(ProbeColumns)
            .ToArray();
        var offset = Enumerable.Range(0, 12).Select(step => step * 5)
            .MaxBy(o => RateInference.InferCycle(Answers(used, baseColumn, probes, o)).Values.Sum(r => r.Reproduced));
        var inferred = RateInference.InferCycle(
            Answers(used, baseColumn, Enumerable.Range(0, columns).Where(c => c != baseColumn).ToArray(), offset));
        var rates = Enumerable.Repeat(double.NaN, QuarterRates.Spans * columns).ToArray();
        foreach (var ((span, column), rate) in inferred)
            rates[(span + 1) * columns + column] = rate.Rate;
        return new QuarterRates(quarter, offset, columns, rates);
    }

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
