using System.Text.Json.Serialization;

namespace Btc.Api.Coins;

/// <summary>A coin GET /coins found: its CoinGecko id (the key of every other endpoint), symbol and name.</summary>
public sealed record CoinMatch(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("symbol")] string Symbol,
    [property: JsonPropertyName("name")] string Name);
