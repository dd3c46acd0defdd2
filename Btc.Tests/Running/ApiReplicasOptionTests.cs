using System.Diagnostics;

namespace Btc.Tests.Running;

/// <summary>
/// run.sh --api-replicas refused before anything starts: a bad count, or no Caddy to put in front of the replicas.
/// (The replicas behind Caddy themselves are what Btc.Tests/Scaling checks with the same Caddyfile.)
/// </summary>
public sealed class ApiReplicasOptionTests
{
    private static readonly string Script = Path.Combine(ComposeFileTests.RepositoryRoot(), "run.sh");

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("two")]
    public async Task A_count_out_of_range_is_refused_with_one_sentence(string count)
    {
        var (exitCode, errors) = await RunAsync(path: null, "--api-replicas", count);

        exitCode.Should().Be(2);
        errors.Trim().Should().Be($"--api-replicas needs a whole number from 1 to 16, not '{count}'.");
    }

    [Fact]
    public async Task Without_caddy_several_replicas_are_refused_with_how_to_get_it()
    {
        // A PATH with only what the script needs before it looks for Caddy.
        var bin = Directory.CreateTempSubdirectory("btc-no-caddy-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(bin, "dirname"), "/usr/bin/dirname");
            var (exitCode, errors) = await RunAsync(bin, "--api-replicas", "3");

            exitCode.Should().Be(2);
            errors.Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("apt-get install caddy");
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Errors)> RunAsync(string? path, params string[] args)
    {
        var start = new ProcessStartInfo("/bin/bash", [Script, .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (path is not null)
            start.Environment["PATH"] = path;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        _ = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return (process.ExitCode, await errors);
    }
}
