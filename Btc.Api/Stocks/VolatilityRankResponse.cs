using System.Text.Json.Serialization;

namespace Btc.Api.Stocks;

/// <summary>The body of /stock/{id}/{currency}/volatility_rank.</summary>
public sealed record VolatilityRankResponse(
    [property: JsonPropertyName("volatility_rank")] int VolatilityRank,
    [property: JsonPropertyName("out_of")] int OutOf,
    [property: JsonPropertyName("measure")] string Measure,
    [property: JsonPropertyName("volatility")] double Volatility,
    [property: JsonPropertyName("as_of")] DateTime AsOf);
