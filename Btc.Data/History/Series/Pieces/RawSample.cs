namespace Btc.Data.History.Series.Pieces;

/// <summary>A raw sample of a coin: its time and each seeded currency's price (null: none).</summary>
internal readonly record struct RawSample(int CoinKey, DateTime At, double?[] Prices);

/// <summary>A stored piece as read: the coin, where it starts and its encoded bytes.</summary>
internal readonly record struct StoredPiece(int CoinKey, DateTime Start, byte[] Data);
