namespace Btc.Data.History.Series.Codec;

/// <summary>One coin's answer in a cycle: at a minute, its base (usd) value and its value in a currency.</summary>
public readonly record struct RateAnswer(long Minute, int Currency, double Base, double Value);

/// <summary>A minute's rate for a currency, and how many of the answers it reproduces to the bit.</summary>
public readonly record struct InferredRate(double Rate, int Reproduced, int Answers);

/// <summary>
/// The rates of a cycle, inferred from its own answers (no extra CoinGecko call): CoinGecko answers each currency as
/// round15(usd × the rate of the moment), so a coin's value / usd is the rate to within half a unit of its 15th digit.
/// The answers with the most precise values (mantissas nearest 10^15) give candidates — that quotient, the doubles a
/// few ulps around it, and its shorter decimals (CoinGecko's rates, e.g. eur/usd 0.904527, may be short) — and the
/// candidate that reproduces the most answers wins. Coins answered at another moment of the minute (a second rate) or
/// with a value of their own are the ones it does not reproduce; the codec stores their residuals.
/// </summary>
public static class RateInference
{
    private const int Anchors = 3;
    private const int Ulps = 48;
    private const int Near = 3;
    private const int Checked = 64;

    public static IReadOnlyDictionary<(long Minute, int Currency), InferredRate> InferCycle(
        IEnumerable<RateAnswer> answers) =>
        answers.GroupBy(a => (a.Minute, a.Currency))
            .Select(g => (g.Key, Rate: Infer(g.Select(a => (a.Base, a.Value)).ToArray())))
            .Where(r => r.Rate is not null)
            .ToDictionary(r => r.Key, r => r.Rate!.Value);

    /// <summary>
    /// The rate reproducing the most (base, value) pairs of one minute and currency; null without any.
    /// </summary>
    public static InferredRate? Infer(IReadOnlyList<(double Base, double Value)> answers)
    {
        var usable = answers.Where(a => Usable(a.Base) && Usable(a.Value)).ToArray();
        if (usable.Length == 0)
            return null;
        var sample = usable.Length <= Checked ? usable
            : Enumerable.Range(0, Checked).Select(i => usable[i * usable.Length / Checked]).ToArray();
        var (best, bestCount) = (double.NaN, -1);
        foreach (var candidate in Candidates(usable))
        {
            var count = Reproduced(sample, candidate);
            if (count > bestCount)
                (best, bestCount) = (candidate, count);
            if (count == sample.Length)
                break;
        }
        return new InferredRate(best, Reproduced(usable, best), answers.Count);
    }

    private static IEnumerable<double> Candidates(IReadOnlyList<(double Base, double Value)> usable)
    {
        var anchors = usable.OrderByDescending(a => Math.Abs(Decimal15.Round15(a.Value)!.Value.M)).Take(Anchors);
        foreach (var (baseValue, value) in anchors)
        {
            // The quotient and its nearest doubles first: the rate is almost always among them, and the search
            // stops at the first candidate that reproduces every answer checked.
            var quotient = value / baseValue;
            var bits = BitConverter.DoubleToInt64Bits(quotient);
            for (var k = 0; k <= Near; k++)
            {
                yield return BitConverter.Int64BitsToDouble(bits + k);
                yield return BitConverter.Int64BitsToDouble(bits - k);
            }
            for (var digits = 1; digits <= 16; digits++)
                yield return Shortened(quotient, digits);
            for (var k = Near + 1; k <= Ulps; k++)
            {
                yield return BitConverter.Int64BitsToDouble(bits + k);
                yield return BitConverter.Int64BitsToDouble(bits - k);
            }
        }
    }

    private static double Shortened(double x, int digits)
    {
        var k = Decimal15.Exponent(x) ?? 0;
        return Decimal15.ToDouble(Decimal15.RoundScaled(x, digits - 1 - k), k - digits + 1);
    }

    private static int Reproduced(IReadOnlyList<(double Base, double Value)> answers, double rate)
    {
        var count = 0;
        foreach (var (baseValue, value) in answers)
        {
            if (Decimal15.Predict(baseValue, rate) is { } predicted &&
                BitConverter.DoubleToInt64Bits(predicted) == BitConverter.DoubleToInt64Bits(value))
                count++;
        }
        return count;
    }

    private static bool Usable(double x) => Decimal15.Exponent(x) is not null;
}
