using Btc.Tests.Infrastructure;

namespace Btc.Tests.Running;

/// <summary>A bad setting stops a process with one sentence, never a stack trace.</summary>
public sealed class StartupErrorTests
{
    [Theory]
    [InlineData("Btc.Worker", "", "No database given: set ConnectionStrings__Btc")]
    [InlineData("Btc.Worker", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|CoinGecko__Plan=Pro",
        "needs a key: set COINGECKO_API_KEY")]
    [InlineData("Btc.Worker", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|Polling__PageSize=1000", "PageSize")]
    [InlineData("Btc.Api", "", "No database given: set ConnectionStrings__Btc")]
    [InlineData(
        "Btc.Migrations",
        "ConnectionStrings__Btc=Host=127.0.0.1;Port=1;Timeout=2|Database__StartupWaitSeconds=0",
        "Cannot reach the database at 127.0.0.1:1")]
    [InlineData("Btc.Worker", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1;Timeout=2|Database__StartupWaitSeconds=0",
        "Cannot reach the database at 127.0.0.1:1")]
    [InlineData("Btc.Api", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1;Timeout=2|Database__StartupWaitSeconds=0",
        "Cannot reach the database at 127.0.0.1:1")]
    [InlineData("Btc.Api", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|Api__TrustedProxies=10.0.0.5, 172.16.0.0/40",
        "'172.16.0.0/40' in Api__TrustedProxies is neither an IP address nor a network")]
    [InlineData("Btc.Api", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|Api__DrainSeconds=600",
        "Api__DrainSeconds must be between 0 and 120")]
    [InlineData("Btc.Migrations", "ConnectionStrings__Btc=Host=127.0.0.1;Port=1|Database__StartupWaitSeconds=soon",
        "Database__StartupWaitSeconds must be a whole number")]
    public async Task A_bad_setting_stops_the_process_with_one_sentence(
        string project,
        string settings,
        string expected)
    {
        using var process = BuiltProgram.Start(project, settings.Split('|', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(
                setting => setting[..setting.IndexOf('=')],
                setting => setting[(setting.IndexOf('=') + 1)..]));
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
