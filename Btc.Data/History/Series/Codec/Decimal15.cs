using System.Globalization;

namespace Btc.Data.History.Series.Codec;

/// <summary>
/// Doubles as decimals m × 10^q, the way CoinGecko answers them (15 significant digits with precision=full). Every
/// function here is deterministic (table look-ups, IEEE operations and FMA, no Math.Log10 in a result), because the
/// encoder and a decoder on another machine must compute the same integers; the encoder verifies every value it
/// writes by decoding it, so a conversion that is not correctly rounded costs an outlier, never a wrong value.
/// </summary>
internal static class Decimal15
{
    public const int Digits = 15;

    /// <summary>The scales used: |q| ≤ 44 covers 1e-30 to 1e58 at 15 digits, every price in any currency.</summary>
    public const int MaxScale = 44;

    private const int TableEdge = 60;

    // Parsed, not computed: 10^n for |n| ≤ 22 is exact, and parsing is correctly rounded beyond.
    private static readonly double[] Powers = Enumerable.Range(-TableEdge, 2 * TableEdge + 1)
        .Select(n => double.Parse("1e" + n.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))
        .ToArray();

    private const double TwoTo53 = 9007199254740992.0;

    public static double Pow10(int n) => Powers[n + TableEdge];

    /// <summary>
    /// m × 10^q, correctly rounded for |q| ≤ 22 and |m| &lt; 2^53, within an ulp beyond (FMA error terms).
    /// </summary>
    public static double ToDouble(long m, int q)
    {
        double x = m;
        if (q >= 0)
        {
            if (q <= 22)
                return x * Pow10(q);
            var hi = x * 1e22;
            var lo = Math.FusedMultiplyAdd(x, 1e22, -hi);
            var p = Pow10(q - 22);
            return Math.FusedMultiplyAdd(hi, p, lo * p);
        }
        if (q >= -22)
            return x / Pow10(-q);
        // The remainders of correctly rounded divisions are exact, so the quotient carries its error term along.
        var a = x / 1e22;
        var r = Math.FusedMultiplyAdd(-a, 1e22, x);
        var d = Pow10(-q - 22);
        var b = a / d;
        var r2 = Math.FusedMultiplyAdd(-b, d, a);
        return b + (r2 + r / 1e22) / d;
    }

    /// <summary>The decimal exponent k with 10^k ≤ |a| &lt; 10^(k+1) (by the table), or null out of range.</summary>
    public static int? Exponent(double a)
    {
        a = Math.Abs(a);
        if (!(a >= Pow10(-MaxScale + Digits - 1)) || !(a < Pow10(MaxScale + Digits - 1)))
            return null;
        // A guess from the binary exponent (log10 2 ≈ 0.30103), off by at most one; the table decides.
        var k = (int)Math.Floor(Math.ILogB(a) * 0.30102999566398120);
        while (a < Pow10(k))
            k--;
        while (a >= Pow10(k + 1))
            k++;
        return k;
    }

    /// <summary>The integer m with v = m × 10^q exactly (as doubles), if there is one with |m| &lt; 2^53.</summary>
    public static bool TryScale(double v, int q, out long m)
    {
        m = 0;
        if (q < -MaxScale || q > MaxScale)
            return false;
        if (!(Math.Abs(v * Pow10(-q)) < TwoTo53))
            return false;
        var bits = BitConverter.DoubleToInt64Bits(v);
        var guess = RoundScaled(v, -q);
        for (var step = 0; step < 3; step++)
        {
            var candidate = guess + (step == 1 ? 1 : step == 2 ? -1 : 0);
            if (BitConverter.DoubleToInt64Bits(ToDouble(candidate, q)) == bits)
            {
                m = candidate;
                return true;
            }
        }
        return false;
    }

    /// <summary>The coarsest scale q at which v is m × 10^q with at most 15 digits, or null.</summary>
    public static int? ShortestScale(double v)
    {
        if (v == 0)
            return BitConverter.DoubleToInt64Bits(v) == 0 ? MaxScale : null;
        if (Exponent(v) is not { } k || !TryScale(v, k - (Digits - 1), out var m))
            return null;
        var q = k - (Digits - 1);
        while (m % 10 == 0 && q < MaxScale && TryScale(v, q + 1, out var shorter))
            (m, q) = (shorter, q + 1);
        return q;
    }

    /// <summary>
    /// round15(x) as an integer at a scale: the prediction of a value CoinGecko computed as x and answered to 15
    /// significant digits. Null when x is zero, not finite or out of range.
    /// </summary>
    public static (long M, int Q)? Round15(double x)
    {
        if (Exponent(x) is not { } k)
            return null;
        var q = k - (Digits - 1);
        return (RoundScaled(x, -q), q);
    }

    /// <summary>The double nearest round15(base × rate): what CoinGecko answers if the rate model holds.</summary>
    public static double? Predict(double baseValue, double rate) =>
        Round15(baseValue * rate) is var (m, q) ? ToDouble(m, q) : null;

    /// <summary>
    /// x × 10^n rounded to the nearest integer (halves to even, as .NET formats) as if computed exactly: the product's
    /// rounding error is carried along (FMA), since a plain x × 10^n rounds the wrong way one time in ten at 15 digits.
    /// </summary>
    public static long RoundScaled(double x, int n)
    {
        var (y, error) = Scale(x, n);
        var m = Math.Round(y);
        var rest = y - m + error;
        if (rest > 0.5 || (rest == 0.5 && Math.IEEERemainder(m, 2) != 0))
            m += 1;
        else if (rest < -0.5 || (rest == -0.5 && Math.IEEERemainder(m, 2) != 0))
            m -= 1;
        return (long)m;
    }

    /// <summary>x × 10^n as y + error (the error to within a negligible part), by exact powers of ten only.</summary>
    private static (double Y, double Error) Scale(double x, int n)
    {
        if (n >= 0 && n <= 22)
        {
            var p = Pow10(n);
            var y = x * p;
            return (y, Math.FusedMultiplyAdd(x, p, -y));
        }
        if (n < 0 && n >= -22)
        {
            var d = Pow10(-n);
            var y = x / d;
            return (y, Math.FusedMultiplyAdd(-y, d, x) / d);
        }
        return n > 0 ? ScaleUp(x, n) : ScaleDown(x, n);
    }

    private static (double Y, double Error) ScaleUp(double x, int n)
    {
        var (y1, e1) = Scale(x, 22);
        var p = Pow10(n - 22);
        var y = y1 * p;
        return (y, Math.FusedMultiplyAdd(y1, p, -y) + e1 * p);
    }

    private static (double Y, double Error) ScaleDown(double x, int n)
    {
        var (q1, r1) = Scale(x, -22);
        var d = Pow10(-n - 22);
        var q = q1 / d;
        return (q, (Math.FusedMultiplyAdd(-q, d, q1) + r1) / d);
    }
}
