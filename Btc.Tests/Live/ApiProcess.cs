using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>Btc.Api as a process of its own on a loopback port: to be sent SIGTERM, or put behind nginx.</summary>
public sealed class ApiProcess : IDisposable
{
    private ApiProcess(ProgramOutput output, int port)
    {
        Output = output;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public ProgramOutput Output { get; }
    public int Port { get; }
    public HttpClient Http { get; }

    /// <summary>
    /// Starts the API (with <paramref name="settings"/> over the defaults: no rate limit) and waits until its live
    /// streams would open.
    /// </summary>
    public static async Task<ApiProcess> StartAsync(
        string connectionString, params (string Key, string Value)[] settings)
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Btc"] = connectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Api__RequestsPerSecond"] = "0",
        };
        foreach (var (key, value) in settings)
            environment[key] = value;
        var output = ProgramOutput.Of(BuiltProgram.Start("Btc.Api", environment));
        var api = new ApiProcess(output, port);
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

    /// <summary>What an out-of-memory killer or a pulled plug does: no goodbye.</summary>
    public void Kill() => Output.Process.Kill();

    /// <summary>What docker stop and Kubernetes send.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", Output.Process.Id.ToString()])!.WaitForExit();

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
