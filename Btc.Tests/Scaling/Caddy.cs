using System.Diagnostics;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;
using Btc.Tests.Running;

namespace Btc.Tests.Scaling;

/// <summary>
/// Debian's Caddy (.ci/run installs it) started by the test with the repository's proxy/Caddyfile, the one compose and
/// run.sh use: listening on a loopback port, finding the API's replicas by asking <see cref="TestDns"/>.
/// </summary>
public sealed class Caddy : IDisposable
{
    private readonly string _directory;
    private readonly ProgramOutput _output;

    private Caddy(string directory, ProgramOutput output, int port)
    {
        _directory = directory;
        _output = output;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Whether the Caddy process the test started has stopped: nothing restarts it.</summary>
    public bool Stopped => _output.Process.HasExited;

    public string Log => $"{_output.Text}\n{_output.Errors}";

    /// <summary>Caddy in front of the replicas <paramref name="dns"/> names, on <paramref name="apiPort"/>.</summary>
    public static async Task<Caddy> StartAsync(TestDns dns, int apiPort)
    {
        var directory = Directory.CreateTempSubdirectory("btc-caddy-").FullName;
        var port = ApiProcess.FreePort();
        var start = new ProcessStartInfo("caddy",
            ["run", "--adapter", "caddyfile", "--config",
                Path.Combine(ComposeFileTests.RepositoryRoot(), "proxy", "Caddyfile")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        // Its state (certificates, the last configuration) in the test's own directory, never the user's.
        foreach (var variable in new[] { "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME" })
            start.Environment[variable] = directory;
        start.Environment["BTC_SITE"] = $"http://:{port}";
        start.Environment["BTC_BIND"] = "127.0.0.1";
        start.Environment["BTC_API_NAME"] = dns.Name;
        start.Environment["BTC_API_PORT"] = apiPort.ToString();
        start.Environment["BTC_API_REFRESH"] = "1s";
        // udp/: Caddy 2.6.2 asks a resolver over TCP unless told otherwise.
        start.Environment["BTC_API_RESOLVERS"] = $"udp/127.0.0.1:{dns.Port}";
        var caddy = new Caddy(directory, ProgramOutput.Of(Process.Start(start)!), port);
        try
        {
            using var http = new HttpClient();
            var status = await Eventually.Until(async () =>
            {
                try
                {
                    return (int)(await http.GetAsync($"http://127.0.0.1:{port}/health/live")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    return 0;
                }
            }, s => s == 200 || caddy._output.Process.HasExited, TimeSpan.FromSeconds(30), "Caddy to proxy the API");
            return status == 200 ? caddy : throw new InvalidOperationException($"Caddy stopped at start: {caddy.Log}");
        }
        catch
        {
            caddy.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _output.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
