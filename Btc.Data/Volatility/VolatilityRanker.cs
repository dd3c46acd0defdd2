using Btc.Data.Currencies;

namespace Btc.Data.Volatility;

/// <summary>
/// One coin's ranks and volatilities in one measure, indexed by currency_key - 1 (null: not ranked there).
/// </summary>
public sealed record CoinRanks(int CoinKey, VolatilityMeasure Measure, int?[] Rank, double?[] Volatility);

/// <summary>How many coins were ranked in one currency and measure.</summary>
public sealed record RankedCount(short CurrencyKey, VolatilityMeasure Measure, int OutOf);

public sealed record VolatilityRanking(IReadOnlyList<CoinRanks> Coins, IReadOnlyList<RankedCount> Counts)
{
    /// <summary>(coin, currency, measure) ranks in all.</summary>
    public int Ranks => Counts.Sum(c => c.OutOf);
}

/// <summary>
/// Ranks every coin in each currency and measure from its statistics over the window: most volatile first, equal
/// values share a rank (1, 2, 2, 4), a coin without enough prices in a currency is not ranked there. Pure: the store
/// reads the statistics and writes what this returns.
/// </summary>
public static class VolatilityRanker
{
    private static readonly VolatilityMeasure[] Measures =
        [VolatilityMeasure.LogReturnStddev, VolatilityMeasure.PriceStddev];

    public static VolatilityRanking Rank(
        IReadOnlyList<Currency> currencies, IReadOnlyDictionary<int, CoinSegments> window)
    {
        var slots = currencies.Count == 0 ? 0 : currencies.Max(c => c.CurrencyKey);
        var coins = window.Keys.ToArray();
        var segments = window.Values.ToArray();
        var ranked = new List<CoinRanks>();
        var counts = new List<RankedCount>();
        var values = new double[coins.Length];
        var order = new int[coins.Length];
        foreach (var measure in Measures)
        {
            var byCoin = new CoinRanks?[coins.Length];
            foreach (var currency in currencies)
            {
                var slot = currency.CurrencyKey - 1;
                var n = 0;
                for (var c = 0; c < coins.Length; c++)
                {
                    var stats = slot < segments[c].ByCurrency.Length ? segments[c].ByCurrency[slot] : default;
                    var volatility = measure == VolatilityMeasure.PriceStddev
                        ? stats.PriceStddev
                        : stats.LogReturnStddev;
                    if (volatility is { } value)
                        (values[n], order[n++]) = (-value, c);
                }
                // Ascending by negated value: most volatile first.
                Array.Sort(values, order, 0, n);
                var rank = 0;
                for (var i = 0; i < n; i++)
                {
                    if (i == 0 || values[i] != values[i - 1])
                        rank = i + 1;
                    var row = byCoin[order[i]] ??= new CoinRanks(
                        coins[order[i]], measure, new int?[slots], new double?[slots]);
                    row.Rank[slot] = rank;
                    row.Volatility[slot] = -values[i];
                }
                if (n > 0)
                    counts.Add(new RankedCount(currency.CurrencyKey, measure, n));
            }
            ranked.AddRange(byCoin.OfType<CoinRanks>());
        }
        return new VolatilityRanking(ranked, counts);
    }
}
