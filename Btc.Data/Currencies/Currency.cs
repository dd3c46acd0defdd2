namespace Btc.Data.Currencies;

/// <summary>
/// A CoinGecko vs-currency. A seeded one has its own price_sample column (<see cref="ColumnName"/>); one added
/// later keeps its prices in price_sample_extra.
/// </summary>
public sealed record Currency(short CurrencyKey, string Code, string? ColumnName)
{
    /// <summary>The quoted price_sample column of a seeded currency.</summary>
    public string Column => ColumnName is not null
        ? $"\"{ColumnName.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : throw new InvalidOperationException(
            $"'{Code}' has no price_sample column; its prices are in price_sample_extra.");
}
