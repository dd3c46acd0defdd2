using Btc.Data.Coins;

namespace Btc.Data.Polling;

/// <summary>The coins one page job asks CoinGecko for.</summary>
public sealed record CyclePage(int CycleId, int PageNo, IReadOnlyList<TrackedCoin> Coins, bool Finished);
