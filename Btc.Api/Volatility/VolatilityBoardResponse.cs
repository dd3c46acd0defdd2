using System.Text.Json.Serialization;

namespace Btc.Api.Volatility;

/// <summary>The body of GET /volatility.</summary>
public sealed record VolatilityBoardResponse(
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("measure")] string Measure,
    [property: JsonPropertyName("order")] string Order,
    [property: JsonPropertyName("as_of")] DateTime? AsOf,
    [property: JsonPropertyName("out_of")] int OutOf,
    [property: JsonPropertyName("coins")] IReadOnlyList<VolatilityBoardCoin> Coins);

/// <summary>A row of the board: the coin's rank (1: the most volatile) and what it measured.</summary>
public sealed record VolatilityBoardCoin(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("symbol")] string Symbol,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("volatility")] double Volatility);
