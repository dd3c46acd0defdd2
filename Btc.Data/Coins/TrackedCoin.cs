namespace Btc.Data.Coins;

public sealed record TrackedCoin(int CoinKey, string Id);
