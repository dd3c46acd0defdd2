namespace Btc.Data.Currencies;

/// <summary>A CoinGecko vs-currency and where its prices are stored in a price sample.</summary>
public sealed record Currency(short CurrencyKey, string Code, string? ColumnName, short? ExtraIndex)
{
    /// <summary>The SQL expression that reads this currency's price from a price_sample row.</summary>
    public string PriceExpression => ColumnName is not null
        ? $"\"{ColumnName.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : $"extra_prices[{ExtraIndex}]";
}
