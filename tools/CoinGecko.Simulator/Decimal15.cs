using System.Globalization;

namespace CoinGecko.Simulator;

/// <summary>CoinGecko's <c>precision=full</c>: a price rounded to 15 significant digits.</summary>
public static class Decimal15
{
    // Every power of ten up to 1e22 is a double exactly.
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// The double nearest to <paramref name="value"/> rounded to 15 significant digits, so that its shortest
    /// round-trip form has at most 15. Exact scaled rounding: the 15 digits as an integer n (below 2^53, so exact),
    /// corrected by the exact remainder a fused multiply-add gives (the scaled value was rounded once), then divided or
    /// multiplied by an exact power of ten, which IEEE rounds to the double nearest the decimal: the double
    /// <c>double.Parse</c> gives for the 15 digits "G15" formats (ties to even, as it rounds them). Values whose power
    /// of ten is not exact (below ~1e-8 or from ~1e37) go through "G15" and <c>double.Parse</c> themselves, ~10 times
    /// slower.
    /// </summary>
    public static double Round(double value)
    {
        if (value == 0 || !double.IsFinite(value))
            return value;
        var shift = 14 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        if (shift is >= 0 and <= 22)
        {
            var scale = PowersOfTen[shift];
            var digits = Math.Round(value * scale);
            digits += Correction(digits, Math.FusedMultiplyAdd(value, scale, -digits), 0.5);
            if (FifteenDigits(digits))
                return digits / scale;
        }
        else if (shift is < 0 and >= -22)
        {
            var scale = PowersOfTen[-shift];
            var digits = Math.Round(value / scale);
            digits += Correction(digits, Math.FusedMultiplyAdd(-digits, scale, value), scale / 2);
            if (FifteenDigits(digits))
                return digits * scale;
        }
        return double.Parse(value.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One unit up or down where the exact remainder of the scaled value over its rounded digits passes half a unit
    /// (the rounded product can sit on the wrong side of a half); on a tie, to the even digits, as "G15" does.
    /// </summary>
    private static double Correction(double digits, double remainder, double half) =>
        Math.Abs(remainder) > half || (Math.Abs(remainder) == half && Math.IEEERemainder(digits, 2) != 0)
            ? Math.Sign(remainder)
            : 0;

    // Log10 can miss by one next to a power of ten: then the integer has 14 or 16 digits and the slow path decides.
    private static bool FifteenDigits(double digits) => Math.Abs(digits) is >= 1e14 and < 1e15;
}
