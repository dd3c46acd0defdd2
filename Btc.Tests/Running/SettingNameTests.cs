using Btc.Tests.Infrastructure;

namespace Btc.Tests.Running;

/// <summary>A bad setting is named by the variable a user sets, not by the class that reads it.</summary>
public sealed class SettingNameTests
{
    // AccessOptions and RequestDeadlineOptions both read section "Api"; no database is reached before the check.
    private const string Database = "Host=127.0.0.1;Port=1;Timeout=2";

    [Fact]
    public async Task A_bad_Api_setting_is_named_by_its_variable()
    {
        var errors = await StartApiAsync(new() { ["Api__Burst"] = "0" });

        errors.Should().Contain("Api__Burst must be between 1 and 1,000,000.").And.NotContain("Access__");
    }

    [Fact]
    public async Task Bad_settings_of_two_classes_are_each_one_sentence_on_one_line()
    {
        var errors = await StartApiAsync(new() { ["Api__Burst"] = "0", ["Api__RequestTimeoutSeconds"] = "0" });

        errors.Should().Contain("Api__Burst must be between 1 and 1,000,000.")
            .And.Contain("Api__RequestTimeoutSeconds must be between 1 and 300.")
            .And.NotContain("Access__").And.NotContain("RequestDeadline__");
    }

    /// <summary>Starts the API with <paramref name="settings"/>; returns its standard error, one line.</summary>
    private static async Task<string> StartApiAsync(Dictionary<string, string> settings)
    {
        settings["ConnectionStrings__Btc"] = Database;
        settings["Database__StartupWaitSeconds"] = "0";
        using var process = BuiltProgram.Start("Btc.Api", settings);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        process.ExitCode.Should().NotBe(0);
        var errors = (await stderr).Trim();
        errors.Should().StartWith("Btc.Api cannot start: ").And.NotContain("   at ", "no stack trace");
        errors.Split('\n').Should().ContainSingle();
        _ = await stdout;
        return errors;
    }
}
