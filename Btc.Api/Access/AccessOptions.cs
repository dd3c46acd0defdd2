using System.ComponentModel.DataAnnotations;

namespace Btc.Api.Access;

/// <summary>Section "Api" (env Api__*): who may call the API, and how often.</summary>
public sealed class AccessOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Every API endpoint but health, docs and the dashboard wants an X-Api-Key header. Off: existing clients keep
    /// working.
    /// </summary>
    public bool RequireKey { get; set; }

    /// <summary>
    /// Requests a second each client (each key, or each address without keys) may make on average; 0: no limit.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "Api__RequestsPerSecond must be between 0 (no limit) and 1,000,000.")]
    public int RequestsPerSecond { get; set; } = 100;

    /// <summary>Requests a client may make at once above the average.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Api__Burst must be between 1 and 1,000,000.")]
    public int Burst { get; set; } = 200;
}
