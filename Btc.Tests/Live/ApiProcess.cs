using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>Btc.Api as a process of its own on a loopback port: to be sent SIGTERM, or put behind nginx.</summary>
public sealed class ApiProcess : IDisposable
{
    private ApiProcess(ProgramOutput output, IPAddress address, int port)
    {
        Output = output;
        Address = address;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://{address}:{port}"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public ProgramOutput Output { get; }
    public IPAddress Address { get; }
    public int Port { get; }
    public HttpClient Http { get; }

    /// <summary>Starts the API on 127.0.0.1 and a free port, <paramref name="settings"/> over the defaults.</summary>
    public static Task<ApiProcess> StartAsync(string connectionString, params (string Key, string Value)[] settings) =>
        StartAsync(connectionString, null, null, settings.ToDictionary(s => s.Key, s => s.Value));

    /// <summary>
    /// Starts the API on <paramref name="address"/> (127.0.0.1 unless given) and <paramref name="port"/> (a free one
    /// unless given), with <paramref name="settings"/> over the defaults, and waits until its live streams would open.
    /// </summary>
    public static async Task<ApiProcess> StartAsync(
        string connectionString, IPAddress? address, int? port, IReadOnlyDictionary<string, string>? settings)
    {
        address ??= IPAddress.Loopback;
        port ??= FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Btc"] = connectionString,
            ["ASPNETCORE_URLS"] = $"http://{address}:{port}",
            ["Api__RequestsPerSecond"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            environment[key] = value;
        var output = ProgramOutput.Of(BuiltProgram.Start("Btc.Api", environment));
        var api = new ApiProcess(output, address, port.Value);
        try
        {
            await Eventually.Until(async () =>
                {
                    try
                    {
                        return (await api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/live?currency=usd")))
                            .StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return HttpStatusCode.ServiceUnavailable;
                    }
                }, s => s is HttpStatusCode.OK or HttpStatusCode.Unauthorized || output.Process.HasExited,
                     TimeSpan.FromSeconds(60),
                "the API process's live streams ready");
            return api;
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    /// <summary>What docker stop and Kubernetes send.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", Output.Process.Id.ToString()])!.WaitForExit();

    /// <summary>What a crash or the kernel's OOM killer does: no drain, no goodbye.</summary>
    public void Kill() => Process.Start("kill", ["-KILL", Output.Process.Id.ToString()])!.WaitForExit();

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Http.Dispose();
        Output.Dispose();
    }
}
