using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Btc.Api.Warmup;

/// <summary>
/// The key the warm-up's own requests carry when keys are required: random, held in memory only, accepted from
/// this host and only until the warm-up ends.
/// </summary>
public sealed class WarmupKey
{
    // The header value's bytes: 32 random bytes in base64.
    private byte[]? _secret = Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>The header value to send; empty once retired.</summary>
    public string Value => Volatile.Read(ref _secret) is { } secret ? Encoding.ASCII.GetString(secret) : "";

    public bool Admits(HttpContext context, string presented)
    {
        if (Volatile.Read(ref _secret) is not { } secret || context.Connection.RemoteIpAddress is not { } remote)
            return false;
        // This host: loopback, or the address it listens on when it listens on one (it then asks itself there).
        if (!IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote)
            && !remote.Equals(context.Connection.LocalIpAddress))
            return false;
        return CryptographicOperations.FixedTimeEquals(secret, Encoding.ASCII.GetBytes(presented));
    }

    public void Retire() => Volatile.Write(ref _secret, null);
}
