namespace Btc.Data.Coins;

/// <summary>One entry of CoinGecko's /coins/list.</summary>
public sealed record CoinListEntry(string Id, string Symbol, string Name);
