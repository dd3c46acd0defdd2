using Btc.Data.Coins;

namespace Btc.Data.Polling;

/// <summary>The coins one page job asks CoinGecko for.</summary>
public sealed record CyclePage(
    int CycleId, int PageNo, DateTime StartedAt, IReadOnlyList<TrackedCoin> Coins, bool Finished, bool Superseded);
