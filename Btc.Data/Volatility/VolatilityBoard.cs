namespace Btc.Data.Volatility;

/// <summary>
/// The first coins of one currency's and measure's ranking (most or least volatile first), how many it ranks and the
/// window's end; <see cref="AsOf"/> null and no coins before the first recompute.
/// </summary>
public sealed record VolatilityBoard(DateTime? AsOf, int OutOf, IReadOnlyList<RankedCoin> Coins);

/// <summary>A coin's place in a ranking (1: the most volatile; ties share a rank), with its symbol and name.</summary>
public sealed record RankedCoin(int Rank, string Id, string Symbol, string Name, double Volatility);
