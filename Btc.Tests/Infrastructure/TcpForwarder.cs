using System.Net;
using System.Net.Sockets;

namespace Btc.Tests.Infrastructure;

/// <summary>
/// A loopback port that forwards to another once opened: a database "not accepting connections yet" is this port
/// before <see cref="Open"/>, and the real server after; <see cref="Close"/> refuses connections again and cuts the
/// open ones, as a server that went away does.
/// </summary>
public sealed class TcpForwarder : IDisposable
{
    private readonly string _targetHost;
    private readonly int _targetPort;
    private CancellationTokenSource _stop = new();
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
        _ = AcceptAsync(_listener, _stop.Token);
    }

    public void Close()
    {
        _stop.Cancel();
        _listener?.Stop();
        _listener = null;
        _stop.Dispose();
        _stop = new CancellationTokenSource();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = PumpAsync(client, stop);
        }
    }

    private async Task PumpAsync(TcpClient client, CancellationToken stop)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_targetHost, _targetPort, stop);
                var up = client.GetStream().CopyToAsync(server.GetStream(), stop);
                var down = server.GetStream().CopyToAsync(client.GetStream(), stop);
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
