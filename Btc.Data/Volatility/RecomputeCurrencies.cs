using Btc.Data.Currencies;
using Btc.Data.History.Series.Pieces;

namespace Btc.Data.Volatility;

/// <summary>The currencies a recompute reads: stats arrays have a slot per currency_key up to the largest.</summary>
internal sealed class RecomputeCurrencies(IReadOnlyList<Currency> currencies)
{
    public IReadOnlyList<Currency> All { get; } = currencies;
    public Currency[] Seeded { get; } = currencies.Where(c => c.ColumnName is not null).ToArray();
    public SeededColumns Columns { get; } = new(currencies);
    public int Slots { get; } = currencies.Count == 0 ? 0 : currencies.Max(c => c.CurrencyKey);
}
