using Btc.Data.Currencies;

namespace Btc.Data.History.Series.Pieces;

/// <summary>
/// A piece's columns: the seeded currencies (those with a price_sample column), column c being currency_key c + 1,
/// and the base column the others are predicted from (usd; −1 without it: nothing is predicted).
/// </summary>
internal sealed class SeededColumns
{
    public SeededColumns(IReadOnlyList<Currency> currencies)
    {
        var seeded = currencies.Where(c => c.ColumnName is not null).OrderBy(c => c.CurrencyKey).ToArray();
        if (seeded.Where((c, i) => c.CurrencyKey != i + 1).Any())
            throw new InvalidOperationException(
                "Seeded currencies must be numbered 1 to N: a piece's columns are positional.");
        (Seeded, Base) = (seeded, Array.FindIndex(seeded, c => c.Code == "usd"));
        ReadRawSql = PieceTable.ReadRawSql(Seeded);
    }

    public IReadOnlyList<Currency> Seeded { get; }
    public int Count => Seeded.Count;
    public int Base { get; }
    public string ReadRawSql { get; }

    /// <summary>The column of a seeded currency; null for one added later (kept in price_sample_extra).</summary>
    public static int? Of(Currency currency) => currency.ColumnName is null ? null : currency.CurrencyKey - 1;
}
