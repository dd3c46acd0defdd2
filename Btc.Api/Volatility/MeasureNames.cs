using Btc.Data.Volatility;
using Microsoft.AspNetCore.Http.HttpResults;
using Btc.Api.Hosting;

namespace Btc.Api.Volatility;

/// <summary>The measures' names in the API, the same for a coin's rank and for the board.</summary>
public static class MeasureNames
{
    public const string LogReturn = "log_return_stddev";
    public const string Price = "price_stddev";

    /// <summary>The measure named (log_return_stddev when none is), or a 400 naming both.</summary>
    public static (VolatilityMeasure Measure, ProblemHttpResult? Problem) Parse(string? name) =>
        (name ?? LogReturn) switch
    {
        LogReturn => (VolatilityMeasure.LogReturnStddev, null),
        Price => (VolatilityMeasure.PriceStddev, null),
        _ => (default, Problems.BadRequest(
            "Unknown measure", $"'measure' must be {LogReturn} or {Price}, not '{name}'.")),
    };

    public static string Of(VolatilityMeasure measure) =>
        measure == VolatilityMeasure.PriceStddev ? Price : LogReturn;
}
