using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Btc.Api.Hosting;

/// <summary>Section "Api" (env Api__*): the reverse proxies whose X-Forwarded-For this API believes.</summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>Comma-separated addresses, e.g. "127.0.0.1" for nginx on the same host. None by default.</summary>
    public string? TrustedProxies { get; set; }

    /// <summary>The listed addresses (validated at start-up, so every entry parses).</summary>
    public IReadOnlyList<IPAddress> Addresses => Entries.Select(IPAddress.Parse).ToArray();

    private string[] Entries =>
        (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var bad = Entries.Where(a => !IPAddress.TryParse(a, out _)).ToArray();
        if (bad.Length > 0)
            yield return new ValidationResult(
                $"'{string.Join("', '", bad)}' is not an IP address; list proxies as addresses, comma-separated.",
                [nameof(TrustedProxies)]);
    }
}
