using System.Net;
using System.Net.Http.Json;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Running;

public sealed class LocalRunScriptTests
{
    private static readonly string Script = Path.Combine(ComposeFileTests.RepositoryRoot(), "run.sh");
    // Generous: the deadline includes the script's own Release build on a cold machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_offline_script_serves_tracked_coins_with_series_and_leaves_nothing_running_after_SIGTERM()
    {
        var dataDir = Directory.CreateTempSubdirectory("btc-run-").FullName;
        var script = RunScript.Start(Script, new Dictionary<string, string> { ["BTC_DATA_DIR"] = dataDir });
        await using (script)
        {
            await script.WaitForOutputAsync("BTC is running", StartTimeout);
            using var http = new HttpClient
            {
                BaseAddress = new Uri($"http://127.0.0.1:{script.ApiPort}"),
                Timeout = TimeSpan.FromSeconds(5),
            };
            (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK,
                "'BTC is running' is printed once the API is ready");

            var ids = await Eventually.Until(
                () => StocksAsync(http),
                list => list.Length >= 1_000,
                TimeSpan.FromMinutes(2),
                "GET /stock to list the 1,000 tracked coins");
            ids.Should().HaveCount(1_000);
            (await http.GetAsync($"/stock/{Uri.EscapeDataString(ids[^1])}/usd"))
                .StatusCode.Should().Be(HttpStatusCode.OK, "a listed coin has a series");
        }

        RunScript.ProcessesMarked(script.Marker).Should().BeEmpty("no process the script started may outlive it");
        RunScript.PortIsFree(script.ApiPort).Should().BeTrue();
        RunScript.PortIsFree(script.PgPort).Should().BeTrue();
        Directory.Delete(dataDir, recursive: true);
    }

    [RootFact]
    public async Task From_a_checkout_the_postgres_user_cannot_enter_the_script_starts_with_its_data_elsewhere()
    {
        // /root/btc in miniature: a private folder (0700, root's) on the way to the checkout.
        var privateFolder = Directory.CreateTempSubdirectory("btc-private-");
        System.Diagnostics.Process.Start("chmod", ["0700", privateFolder.FullName])!.WaitForExit();
        var checkout = Path.Combine(privateFolder.FullName, "btc");
        Directory.CreateSymbolicLink(checkout, ComposeFileTests.RepositoryRoot());
        string? dataDir = null;
        try
        {
            var script = RunScript.Start(Path.Combine(checkout, "run.sh"), new Dictionary<string, string>());
            await using (script)
            {
                await script.WaitForOutputAsync("BTC is running", StartTimeout);
                using var http = new HttpClient
                {
                    BaseAddress = new Uri($"http://127.0.0.1:{script.ApiPort}"),
                    Timeout = TimeSpan.FromSeconds(5),
                };
                (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK,
                    "'BTC is running' is printed once the API is ready");

                var moved = System.Text.RegularExpressions.Regex.Match(script.Output,
                    @"The postgres user cannot enter \S+; BTC's data lives in (\S+) \(set BTC_DATA_DIR");
                moved.Success.Should().BeTrue(script.Output);
                dataDir = moved.Groups[1].Value;
                dataDir.Should().StartWith("/var/lib/btc/");
                File.Exists(Path.Combine(dataDir, "postgres", "PG_VERSION")).Should().BeTrue();
            }
            RunScript.ProcessesMarked(script.Marker).Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(privateFolder.FullName, recursive: true);
            if (dataDir is not null && Directory.Exists(dataDir))
                Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_service_that_fails_at_start_is_named_with_its_last_lines_and_BTC_is_never_said_to_run()
    {
        var dataDir = Directory.CreateTempSubdirectory("btc-run-").FullName;
        var script = RunScript.Start(
            Script,
            new Dictionary<string, string> { ["BTC_DATA_DIR"] = dataDir, ["Polling__PageSize"] = "1000" });
        await using (script)
        {
            await script.Process.WaitForExitAsync(new CancellationTokenSource(StartTimeout).Token);
            script.Process.ExitCode.Should().NotBe(0);
            script.Output.Should().Contain("run.sh: the worker stopped during start-up; its last lines")
                .And.Contain("Polling__PageSize")
                .And.NotContain("BTC is running");
        }
        RunScript.ProcessesMarked(script.Marker).Should().BeEmpty();
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
}
