using System.Diagnostics;

namespace Btc.Tests.Running;

/// <summary>A bad setting stops a process with one sentence, never a stack trace.</summary>
public sealed class StartupErrorTests
{
    [Theory]
    [InlineData("Btc.Worker", "", "No database given: set ConnectionStrings__Btc")]
    [InlineData("Btc.Worker", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|CoinGecko__Plan=Pro", "needs a key: set COINGECKO_API_KEY")]
    [InlineData("Btc.Worker", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|Polling__PageSize=1000", "PageSize")]
    [InlineData("Btc.Api", "", "No database given: set ConnectionStrings__Btc")]
    [InlineData("Btc.Migrations", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1;Timeout=2", "Cannot reach the database at 127.0.0.1:1")]
    public async Task A_bad_setting_stops_the_process_with_one_sentence(string project, string settings, string expected)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<configuration>/net10.0
        var dll = Path.Combine(ComposeFileTests.RepositoryRoot(), project, "bin", configuration, "net10.0", $"{project}.dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var variable in new[] { "ConnectionStrings__Btc", "COINGECKO_API_KEY", "CoinGecko__Plan" })
            start.Environment.Remove(variable);
        foreach (var setting in settings.Split('|', StringSplitOptions.RemoveEmptyEntries))
            start.Environment[setting[..setting.IndexOf('=')]] = setting[(setting.IndexOf('=') + 1)..];

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        process.ExitCode.Should().NotBe(0);
        var errors = (await stderr).Trim();
        errors.Should().Contain(expected).And.NotContain("   at ", "no stack trace");
        errors.Split('\n').Should().ContainSingle();
        _ = await stdout;
    }
}
