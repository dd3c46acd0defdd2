using System.Diagnostics;
using Btc.Tests.Running;

namespace Btc.Tests.Infrastructure;

/// <summary>One of the solution's programs, started as a child process from the build the tests run in.</summary>
public static class BuiltProgram
{
    /// <summary>
    /// Starts <paramref name="project"/> (a folder under the repository, e.g. "Btc.Worker" or "tools/Btc.Benchmarks")
    /// with its output redirected and the given settings as its only BTC settings.
    /// </summary>
    public static Process Start(string project, IReadOnlyDictionary<string, string> settings, params string[] args)
    {
        // bin/<configuration>/net10.0
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))
            .Parent!.Name;
        var dll = Path.Combine(ComposeFileTests.RepositoryRoot(), project, "bin", configuration, "net10.0",
            $"{Path.GetFileName(project)}.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var variable in new[] { "ConnectionStrings__Btc", "COINGECKO_API_KEY", "CoinGecko__Plan" })
            start.Environment.Remove(variable);
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        return Process.Start(start)!;
    }
}
