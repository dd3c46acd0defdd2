using Btc.Tests.Infrastructure;

namespace Btc.Tests.Running;

/// <summary>The benchmark tool's fill command run as a user runs it: a child process, its exit code, output.</summary>
public static class FillProcess
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = BuiltProgram.Start(
            "tools/Btc.Benchmarks",
            new Dictionary<string, string>(),
            ["fill", .. args]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
