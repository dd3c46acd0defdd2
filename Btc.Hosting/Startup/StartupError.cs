using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Btc.Hosting.Startup;

/// <summary>A setting that keeps a process from starting; its message is one sentence saying which and why.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);

public static class StartupError
{
    /// <summary>
    /// Whether <paramref name="e"/> is a bad setting (or several, as <see cref="Settings.ValidateSettings"/> throws
    /// them), to be printed as sentences rather than a stack trace.
    /// </summary>
    public static bool IsBadSetting(Exception e) => e switch
    {
        OptionsValidationException or StartupException => true,
        AggregateException { InnerExceptions: { Count: > 0 } all } => all.All(IsBadSetting),
        _ => false,
    };

    /// <summary>
    /// Runs a program: a bad setting ends it with one line on standard error, "<paramref name="program"/> cannot
    /// start: " and a sentence for the person who set it (not a stack trace), and exit code 1.
    /// </summary>
    public static async Task<int> RunAsync(string program, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (IsBadSetting(e))
        {
            await Console.Error.WriteLineAsync($"{program} cannot start: {Describe(e)}");
            return 1;
        }
    }

    public static string Describe(Exception e) => e switch
    {
        AggregateException all => string.Join(" ", all.InnerExceptions.Select(Describe)),
        OptionsValidationException invalid =>
            string.Join(" ", invalid.Failures.Select(failure => Sentence(invalid.OptionsType, failure))),
        _ => e.Message,
    };

    // "DataAnnotation validation failed for 'X' members: 'PageSize' with the error: 'The field …'." → the quoted
    // part, named by the section the class is bound to and the member (Polling__PageSize), the variable a person sets;
    // a class not bound by Settings.BindValidated is named by its class name without "Options".
    private static string Sentence(Type options, string failure)
    {
        var match = Regex.Match(
            failure, @"for '(?<type>\w+?)(Options)?' members: '(?<member>\w*)' with the error: '(?<error>.*)'\.?$");
        if (!match.Success)
            return failure.TrimEnd('.') + ".";
        var error = match.Groups["error"].Value.TrimEnd('.') + ".";
        var member = match.Groups["member"].Value;
        if (member.Length == 0)
            return error;
        var setting = $"{Settings.SectionOf(options) ?? match.Groups["type"].Value}__{member}";
        // Most messages already name the variable ("Api__Burst must be …"): once is enough.
        return error.Contains(setting, StringComparison.Ordinal) ? error : $"{setting}: {error}";
    }
}
