using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Btc.Hosting.Startup;

/// <summary>A setting that keeps a process from starting; its message is one sentence saying which and why.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);

public static class StartupError
{
    /// <summary>Whether <paramref name="e"/> is a bad setting, to be printed as a sentence rather than a stack trace.</summary>
    public static bool IsBadSetting(Exception e) => e is OptionsValidationException or StartupException;

    public static string Describe(Exception e) => e switch
    {
        OptionsValidationException invalid => string.Join(" ", invalid.Failures.Select(Sentence)),
        _ => e.Message,
    };

    // "DataAnnotation validation failed for 'X' members: 'PageSize' with the error: 'The field …'." → the quoted part,
    // named by its section and member (Polling__PageSize) so it reads like the setting a person typed.
    private static string Sentence(string failure)
    {
        var match = Regex.Match(failure, @"for '(?<type>\w+?)(Options)?' members: '(?<member>\w*)' with the error: '(?<error>.*)'\.?$");
        if (!match.Success)
            return failure.TrimEnd('.') + ".";
        var error = match.Groups["error"].Value.TrimEnd('.') + ".";
        var member = match.Groups["member"].Value;
        return member.Length == 0 ? error : $"{match.Groups["type"].Value}__{member}: {error}";
    }
}
