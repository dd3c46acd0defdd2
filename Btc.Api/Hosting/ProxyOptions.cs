using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Btc.Api.Hosting;

/// <summary>Section "Api" (env Api__*): the reverse proxies whose X-Forwarded-For this API believes.</summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>Comma-separated addresses, e.g. "127.0.0.1" for nginx on the same host. None by default.</summary>
    public string? TrustedProxies { get; set; }

    public IReadOnlyList<IPAddress> Addresses =>
        (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => IPAddress.TryParse(a, out var address) ? address : IPAddress.None).ToArray();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var bad = (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(a => !IPAddress.TryParse(a, out _)).ToArray();
        if (bad.Length > 0)
            yield return new ValidationResult($"'{string.Join("', '", bad)}' is not an IP address; list proxies as addresses, comma-separated.", [nameof(TrustedProxies)]);
    }
}
