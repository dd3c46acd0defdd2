using System.Net;
using System.Net.Sockets;

namespace Btc.LocalPostgres;

/// <summary>
/// Ports for servers a test or script starts a moment later. Below Linux's ephemeral range (32768–60999): a port the
/// kernel hands out for "any free port" is one the next outgoing connection of any process may take meanwhile, which
/// two test processes side by side make happen.
/// </summary>
public static class LoopbackPorts
{
    public static int Free()
    {
        for (var tries = 0; tries < 1_000; tries++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        throw new InvalidOperationException("No free loopback port between 20000 and 32000.");
    }
}
