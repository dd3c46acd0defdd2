using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Btc.Api.Hosting;

/// <summary>Section "Api" (env Api__*): the reverse proxies whose X-Forwarded-For this API believes.</summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>
    /// Comma-separated addresses and networks, e.g. "127.0.0.1" for nginx on the same host, or "172.16.0.0/12" for a
    /// proxy in a Docker network whose address is not fixed. None by default.
    /// </summary>
    public string? TrustedProxies { get; set; }

    /// <summary>
    /// The listed networks, an address as a network of one (validated at start-up). A method: the configuration
    /// binder reads properties, before validation.
    /// </summary>
    public IReadOnlyList<IPNetwork> Networks() => Entries.Select(e => Parse(e)!.Value).ToArray();

    private string[] Entries =>
        (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var bad = Entries.Where(e => Parse(e) is null).ToArray();
        if (bad.Length > 0)
            yield return new ValidationResult(
                $"'{string.Join("', '", bad)}' in Api__TrustedProxies is neither an IP address nor a network; list " +
                "proxies as addresses (10.0.0.5) or networks (172.16.0.0/12), comma-separated.",
                [nameof(TrustedProxies)]);
    }

    private static IPNetwork? Parse(string entry)
    {
        if (IPAddress.TryParse(entry, out var address) && !entry.Contains('/'))
            return new IPNetwork(address, address.GetAddressBytes().Length * 8);
        return IPNetwork.TryParse(entry, out var network) ? network : null;
    }
}
