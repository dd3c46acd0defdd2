namespace Btc.Data.Volatility;

/// <summary>How volatility is measured; the numbers are stored in volatility_rank.measure.</summary>
public enum VolatilityMeasure : short
{
    /// <summary>Standard deviation of log returns between consecutive samples: scale-free, the usual meaning.</summary>
    LogReturnStddev = 1,
    /// <summary>Standard deviation of the raw price, as the original service ranked.</summary>
    PriceStddev = 2,
}
