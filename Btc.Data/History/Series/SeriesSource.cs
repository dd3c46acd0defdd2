namespace Btc.Data.History.Series;

/// <summary>Which points a series holds: polled samples, points filled from CoinGecko's history, or both.</summary>
public enum SeriesSource
{
    All,
    Polled,
    Filled,
}
