namespace Btc.Data.Volatility;

/// <summary>A coin's place among all coins ranked in one currency and measure; rank 1 is the most volatile.</summary>
public sealed record VolatilityRank(int Rank, int OutOf, double Volatility, DateTime AsOf);
