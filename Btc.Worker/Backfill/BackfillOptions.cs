using System.ComponentModel.DataAnnotations;

namespace Btc.Worker.Backfill;

/// <summary>Section "Backfill" (env Backfill__*).</summary>
public sealed class BackfillOptions : IValidatableObject
{
    public const string Section = "Backfill";

    /// <summary>
    /// The vs-currencies gaps are filled in, comma-separated: each costs one call per coin per gap (CoinGecko's
    /// history gives one currency per call). Empty fills nothing.
    /// </summary>
    public string? Currencies { get; set; } = "usd";

    /// <summary>A new install fills the day before its first cycle, so series and charts start full.</summary>
    public bool OnFirstStart { get; set; } = true;

    /// <summary>
    /// Only spans longer than this between two cycles that stored prices are filled: CoinGecko's history is
    /// 5-minutely within a day, so a shorter span holds no point. Raise it to spend fewer calls on short outages.
    /// </summary>
    [Range(1, 1440)] public int MinimumGapMinutes { get; set; } = 5;

    public IReadOnlyList<string> CurrencyList =>
        (Currencies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToLowerInvariant()).Distinct().ToArray();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CurrencyList.FirstOrDefault(c => !c.All(char.IsAsciiLetterOrDigit)) is { } bad)
            yield return new ValidationResult(
                $"Backfill__Currencies has '{bad}', which is not a vs-currency code: give codes like usd,eur.");
    }
}
