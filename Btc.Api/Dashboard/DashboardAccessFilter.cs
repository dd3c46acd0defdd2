using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Btc.Api.Dashboard;

/// <summary>
/// Loopback requests come in; any other needs HTTP basic credentials. Behind Docker's bridge every request
/// looks remote, which is why Hangfire's local-only default is not enough. A loopback request that carries
/// forwarding headers came through a proxy on this host (nginx or Caddy in front of the API) from anywhere: it is
/// not trusted, unless the operator named that proxy (Api__TrustedProxies), which makes the client's own address
/// the one checked.
/// </summary>
public sealed class DashboardAccessFilter(IOptions<DashboardOptions> options, DashboardPassword password)
    : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (http.Connection.RemoteIpAddress is { } remote
            && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote)
            && !ForwardedByUntrustedProxy(http.Request.Headers))
            return true;
        if (CredentialsMatch(http.Request.Headers.Authorization.ToString()))
            return true;
        // Hangfire answers 401 to an unauthenticated user; the challenge makes browsers ask for the password.
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"BTC dashboard\", charset=\"UTF-8\"";
        return false;
    }

    // What proxies add; ASP.NET Core's forwarded-headers middleware removes the ones it has applied.
    private static readonly string[] ForwardingHeaders =
        ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host"];

    /// <summary>
    /// Whether forwarding headers are left that no trusted proxy accounts for. The middleware applies a named proxy's
    /// X-Forwarded-For (and notes the proxy in X-Original-For) but not its X-Forwarded-Host, which Caddy always sends:
    /// once the client's address is applied, that header alone says nothing about who the client is.
    /// </summary>
    private static bool ForwardedByUntrustedProxy(IHeaderDictionary headers)
    {
        var applied = headers.ContainsKey(ForwardedHeadersDefaults.XOriginalForHeaderName);
        return ForwardingHeaders.Any(h => headers.ContainsKey(h) && !(applied && h == "X-Forwarded-Host"));
    }

    private bool CredentialsMatch(string header)
    {
        if (!AuthenticationHeaderValue.TryParse(header, out var value)
            || !"Basic".Equals(value.Scheme, StringComparison.OrdinalIgnoreCase) || value.Parameter is null)
            return false;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return false;
        var expected = options.Value;
        // Both compared, always, in constant time: the answer's timing tells nothing about either.
        var user = FixedTimeEquals(decoded[..colon], expected.Username);
        var current = password.Current;
        var matches = FixedTimeEquals(decoded[(colon + 1)..], current ?? "");
        return user & matches & !string.IsNullOrEmpty(current);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
