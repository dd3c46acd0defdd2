using System.Globalization;
using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// The decimal arithmetic the codec's predictions rest on agrees with .NET's correctly rounded formatting.
/// </summary>
public sealed class Decimal15Tests
{
    [Fact]
    public void Round15_agrees_with_formatting_to_15_significant_digits_over_the_whole_range()
    {
        var random = new Random(15);
        for (var i = 0; i < 200_000; i++)
        {
            var x = Math.Exp(random.NextDouble() * 130 - 65) * (random.Next(2) == 0 ? 1 : -1);
            var (m, q) = Decimal15.Round15(x)!.Value;
            var formatted = x.ToString("E14", CultureInfo.InvariantCulture);
            var expected = decimal.Parse(formatted.Split('E')[0], CultureInfo.InvariantCulture) * 100_000_000_000_000m;
            var exponent = int.Parse(formatted.Split('E')[1], CultureInfo.InvariantCulture) - 14;
            // A result of 10^15 (…999.5 rounded up) is the same number one digit coarser.
            (m == 1_000_000_000_000_000 * Math.Sign(x) ? (m / 10, q + 1) : (m, q))
                .Should().Be(((long)expected, exponent), $"round15({x:R})");
            Decimal15.ToDouble(m, q).Should().Be(CoinGeckoShapedData.Round15(x), $"the double nearest round15({x:R})");
        }
    }

    [Fact]
    public void Every_decimal_of_15_digits_scales_back_to_its_integer()
    {
        var random = new Random(16);
        for (var i = 0; i < 100_000; i++)
        {
            var m = random.NextInt64(100_000_000_000_000, 1_000_000_000_000_000);
            var q = random.Next(-44, 30);
            var value = double.Parse($"{m}E{q}", CultureInfo.InvariantCulture);
            Decimal15.TryScale(value, q, out var scaled).Should().BeTrue($"{m}E{q}");
            scaled.Should().Be(m);
            var zeros = 0;
            for (var rest = m; rest % 10 == 0; rest /= 10)
                zeros++;
            Decimal15.ShortestScale(value).Should().Be(q + zeros, "trailing zeros make a coarser scale");
        }
    }
}
