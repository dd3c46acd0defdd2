using System.Globalization;
using Btc.Data.History.Series.Codec;

namespace Btc.Tests.Series.Codec;

/// <summary>
/// Pieces shaped like CoinGecko's answers (issue 22's simulator spec): each coin walks in usd at 15 significant digits;
/// every other currency is round15(usd × the minute's rate), the rates slow walks shared by every coin (crypto ones
/// follow their coin), bmd = usd, bits and sats = btc × 10^6 and 10^8; a sample a minute at jittered seconds.
/// With <c>independent</c>, every currency walks on its own (the fallback's worst case). A coin's volatility per
/// minute is log-uniform between <paramref name="calmest"/> and <paramref name="wildest"/>. With
/// <paramref name="unroundedUsd"/>, other currencies come from the usd price before its rounding to 15 digits (if
/// CoinGecko works that way, predictions from the answered usd are off by a unit or a few of the 15th digit).
/// </summary>
internal sealed class CoinGeckoShapedData(
    int seed, double calmest = 3e-5, double wildest = 1e-3, bool unroundedUsd = false)
{
    public const int Currencies = 62;
    public const int Usd = 11;
    private const int Btc = 0, Bmd = 17, Bits = 60, Sats = 61, Cryptos = 11;

    private readonly Random _random = new(seed);
    private readonly double[] _rates = StartingRates(new Random(~seed));

    /// <summary>
    /// 15 significant digits, as CoinGecko answers with precision=full (correctly rounded formatting).
    /// </summary>
    public static double Round15(double x) =>
        double.Parse(x.ToString("E14", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>A coin's day in hour pieces, with the rates each piece's predicted columns need.</summary>
    public IReadOnlyList<(PieceData Piece, PieceRates Rates)> CoinDay(bool independent, int hours = 24)
    {
        var sigma = Math.Exp(Lerp(Math.Log(calmest), Math.Log(wildest), _random.NextDouble()));
        var prices = Enumerable.Range(0, Currencies)
            .Select(c => Math.Exp(Lerp(Math.Log(1e-4), Math.Log(1e5), _random.NextDouble())) * _rates[c]).ToArray();
        var pieces = new List<(PieceData, PieceRates)>();
        for (var hour = 0; hour < hours; hour++)
        {
            var seconds = Enumerable.Range(0, 60).Select(m => 60 * m + _random.Next(0, 20)).ToArray();
            var columns = Enumerable.Range(0, Currencies).Select(_ => new double?[60]).ToArray();
            var rates = Enumerable.Range(0, Currencies).Select(_ => new double?[60]).ToArray();
            for (var i = 0; i < 60; i++)
            {
                StepRates();
                for (var c = 0; c < Currencies; c++)
                    prices[c] *= Math.Exp(sigma * Normal());
                var usd = Round15(prices[Usd]);
                for (var c = 0; c < Currencies; c++)
                {
                    rates[c][i] = RateOf(c);
                    var from = unroundedUsd ? prices[Usd] : usd;
                    columns[c][i] = independent ? Round15(prices[c]) : Round15(from * RateOf(c));
                }
                columns[Usd][i] = usd;
            }
            pieces.Add((new PieceData(seconds, columns), new PieceRates(Usd, independent ? [] : rates)));
        }
        return pieces;
    }

    /// <summary>Fiat rates move a little every minute; crypto ones as much as a coin does.</summary>
    private void StepRates()
    {
        for (var c = 0; c < Currencies; c++)
            _rates[c] *= Math.Exp((c < Cryptos ? 5e-4 : 2e-5) * Normal());
    }

    private double RateOf(int currency) => currency switch
    {
        Usd or Bmd => 1,
        Bits => _rates[Btc] * 1e6,
        Sats => _rates[Btc] * 1e8,
        _ => _rates[currency],
    };

    private static double[] StartingRates(Random random) => Enumerable.Range(0, Currencies)
        .Select(_ => Math.Exp(Lerp(Math.Log(1e-3), Math.Log(3e4), random.NextDouble()))).ToArray();

    private double Normal() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static double Lerp(double a, double b, double t) => a + (b - a) * t;
}
