using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Btc.Api.Hosting;

/// <summary>A list's <c>limit</c> query parameter: read here, so that any bad value gets the same sentence.</summary>
public static class QueryLimit
{
    /// <summary>The limit asked (<paramref name="fallback"/> when none was), or a 400 naming the range.</summary>
    public static (int Limit, ProblemHttpResult? Problem) Parse(string? text, int fallback, int max)
    {
        if (text is null)
            return (fallback, null);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit <= max
            && limit >= 1)
            return (limit, null);
        return (0, Problems.BadRequest(
            "Limit out of range", $"'limit' must be a whole number from 1 to {max}, not '{text}'."));
    }
}
