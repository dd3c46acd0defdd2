using System.Net;
using System.Net.Sockets;

namespace Btc.Tests.Infrastructure;

/// <summary>
/// A loopback port that forwards to another once opened: a database "not accepting connections yet" is this port
/// before <see cref="Open"/>, and the real server after.
/// </summary>
public sealed class TcpForwarder : IDisposable
{
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;

    public TcpForwarder(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public int Port { get; }

    public void Open()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _ = AcceptAsync(_listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = PumpAsync(client);
        }
    }

    private async Task PumpAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // one side went away: closing both is all there is to do
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener?.Stop();
        _stop.Dispose();
    }
}
