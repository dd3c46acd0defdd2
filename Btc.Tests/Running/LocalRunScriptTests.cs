using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Running;

[Collection(HangfireCollection.Name)]
public sealed class LocalRunScriptTests
{
    [Fact]
    public async Task The_offline_script_serves_tracked_coins_with_series_and_leaves_nothing_running_after_SIGTERM()
    {
        var dataDir = Directory.CreateTempSubdirectory("btc-run-").FullName;
        var (apiPort, pgPort) = (FreePort(), FreePort());
        var marker = Guid.NewGuid().ToString("N");
        var output = new StringBuilder();
        var start = new ProcessStartInfo("bash", ["run.sh", "--offline", "--port", apiPort.ToString()])
        {
            WorkingDirectory = ComposeFileTests.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["BTC_DATA_DIR"] = dataDir, ["BTC_PG_PORT"] = pgPort.ToString(), ["BTC_RUN_MARKER"] = marker },
        };
        using var script = Process.Start(start)!;
        script.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        script.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            // Generous: the deadline includes the script's own Release build on a cold machine.
            var ids = await Eventually.Until(() => StocksAsync(http), list => list.Length >= 1_000, TimeSpan.FromMinutes(4),
                "GET /stock to list the 1,000 tracked coins");
            ids.Should().HaveCount(1_000);
            await Eventually.Until(async () => (await http.GetAsync($"/stock/{Uri.EscapeDataString(ids[^1])}/usd")).StatusCode,
                status => status == HttpStatusCode.OK, TimeSpan.FromMinutes(2), "a series with data");
        }
        catch (Exception e)
        {
            lock (output)
                throw new InvalidOperationException($"{e.Message}\nScript output:\n{output}", e);
        }
        finally
        {
            Process.Start("kill", ["-TERM", script.Id.ToString()])!.WaitForExit();
            await script.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
        }

        ProcessesMarked(marker).Should().BeEmpty("no process the script started may outlive it");
        PortIsFree(apiPort).Should().BeTrue();
        PortIsFree(pgPort).Should().BeTrue();
        Directory.Delete(dataDir, recursive: true);
    }

    private static async Task<string[]> StocksAsync(HttpClient http)
    {
        try
        {
            return await http.GetFromJsonAsync<string[]>("/stock") ?? [];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    private static IReadOnlyList<int> ProcessesMarked(string marker) =>
        Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/environ").Contains(marker, StringComparison.Ordinal);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            }).ToArray();

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
