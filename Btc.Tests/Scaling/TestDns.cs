using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Btc.Tests.Scaling;

/// <summary>
/// A DNS server of one name, on a loopback UDP port: A queries for <see cref="Name"/> get the addresses the test
/// has set (as Docker's DNS answers a compose service's name with its replicas), AAAA queries an empty answer,
/// anything else "no such name". A one-second TTL; Caddy's own refresh decides when it asks again.
/// </summary>
public sealed class TestDns : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private ImmutableArray<IPAddress> _addresses = [];

    private TestDns(string name)
    {
        Name = name;
        _ = Task.Run(ServeAsync);
    }

    public string Name { get; }
    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
    public IReadOnlyList<IPAddress> Addresses => _addresses;

    public static TestDns Start(string name) => new(name);

    public void Set(IEnumerable<IPAddress> addresses) => _addresses = [.. addresses];

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (Answer(query.Buffer) is { } answer)
                await _udp.SendAsync(answer, query.RemoteEndPoint);
        }
    }

    /// <summary>The response to one query (RFC 1035 4.1): its header and question echoed, then the answers.</summary>
    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1)
            return null;
        var (name, end) = ReadName(query, 12);
        if (end + 4 > query.Length)
            return null;
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(end));
        var known = string.Equals(name.TrimEnd('.'), Name, StringComparison.OrdinalIgnoreCase);
        var addresses = known && type == 1 ? _addresses : [];
        var response = new List<byte>(query[..(end + 4)]);
        // QR, the opcode and RD echoed, RA; rcode 0, or 3 (no such name) for a name this server does not hold.
        response[2] = (byte)(0x80 | (query[2] & 0x79));
        response[3] = (byte)(0x80 | (known ? 0 : 3));
        WriteUInt16(response, 6, (ushort)addresses.Length);
        WriteUInt16(response, 8, 0);
        WriteUInt16(response, 10, 0);
        foreach (var address in addresses)
        {
            // A pointer to the question's name, type A, class IN, TTL 1 s, four bytes of address.
            response.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4]);
            response.AddRange(address.GetAddressBytes());
        }
        return [.. response];
    }

    private static (string Name, int End) ReadName(byte[] message, int offset)
    {
        var name = new StringBuilder();
        while (offset < message.Length && message[offset] is > 0 and < 64 and var length
               && offset + 1 + length <= message.Length)
        {
            name.Append(Encoding.ASCII.GetString(message, offset + 1, length)).Append('.');
            offset += 1 + length;
        }
        return (name.ToString(), offset + 1);
    }

    private static void WriteUInt16(List<byte> bytes, int at, ushort value) =>
        (bytes[at], bytes[at + 1]) = ((byte)(value >> 8), (byte)value);

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}
