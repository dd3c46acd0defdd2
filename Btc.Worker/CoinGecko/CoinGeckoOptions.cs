using System.ComponentModel.DataAnnotations;

namespace Btc.Worker.CoinGecko;

/// <summary>Section "CoinGecko" (env CoinGecko__*); the key comes from COINGECKO_API_KEY.</summary>
public sealed class CoinGeckoOptions : IValidatableObject
{
    public const string Section = "CoinGecko";

    /// <summary>Never logged, never passed in job arguments.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Demo when a key is given, public otherwise.</summary>
    public CoinGeckoPlan? Plan { get; set; }

    /// <summary>
    /// Overrides the plan's host: the simulator, a proxy. Empty means unset (compose passes empties).
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// What all replicas together may call per minute; the plan's by default: demo 30, pro 500 (its smallest plan),
    /// public 30 (CoinGecko shares it per IP and users report 5 to 15: a 429 is waited out by every replica).
    /// </summary>
    [Range(1, 100_000)]
    public int? CallsPerMinute { get; set; }

    /// <summary>
    /// What all replicas together may call per calendar month in UTC; the plan's by default (demo 10,000, pro
    /// 500,000 on its smallest plan, public none); 0 for no monthly cap.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int? CallsPerMonth { get; set; }

    /// <summary>One attempt's timeout; transient faults are retried twice.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    public CoinGeckoPlan EffectivePlan =>
        Plan ?? (string.IsNullOrEmpty(ApiKey) ? CoinGeckoPlan.Public : CoinGeckoPlan.Demo);

    public int EffectiveCallsPerMinute => CallsPerMinute ?? (EffectivePlan == CoinGeckoPlan.Pro ? 500 : 30);

    public int? EffectiveCallsPerMonth => CallsPerMonth switch
    {
        0 => null,
        { } set => set,
        null => EffectivePlan switch
        {
            CoinGeckoPlan.Demo => 10_000,
            CoinGeckoPlan.Pro => 500_000,
            _ => null,
        },
    };

    public Uri EffectiveBaseUrl => new(!string.IsNullOrWhiteSpace(BaseUrl)
        ? BaseUrl
        : EffectivePlan == CoinGeckoPlan.Pro
            ? "https://pro-api.coingecko.com/api/v3"
            : "https://api.coingecko.com/api/v3");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(BaseUrl) && !Uri.TryCreate(BaseUrl, UriKind.Absolute, out _))
            yield return new ValidationResult(
                $"CoinGecko__BaseUrl '{BaseUrl}' is not an absolute URL, e.g. http://localhost:8100/api/v3.");
        if (EffectivePlan != CoinGeckoPlan.Public && string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult(
                $"CoinGecko__Plan={EffectivePlan} needs a key: set COINGECKO_API_KEY, or use CoinGecko__Plan=Public.");
        if (EffectivePlan == CoinGeckoPlan.Public && !string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult(
                "COINGECKO_API_KEY is set but CoinGecko__Plan=Public sends no key: use Demo or Pro.");
    }
}
