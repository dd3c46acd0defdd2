using System.Diagnostics;

namespace Btc.Tests.Style;

/// <summary>The repository's own C# files: those git tracks, or every .cs file on disk where git cannot say.</summary>
public static class SourceFiles
{
    /// <summary>Generated migrations keep the shape their generator gives them.</summary>
    private static readonly string[] ExcludedFolders = ["Btc.Migrations/Migrations/", "obj/", "bin/"];

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Btc.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Btc.sln.");
    }

    /// <summary>Paths relative to the root, with / between folders.</summary>
    public static IReadOnlyList<string> CSharpFiles(string root) =>
        (Tracked(root) ?? OnDisk(root))
            .Where(path => !ExcludedFolders.Any(folder => path.StartsWith(folder, StringComparison.Ordinal)
                || path.Contains('/' + folder, StringComparison.Ordinal)))
            .Where(path => File.Exists(Path.Combine(root, path)))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<string>? Tracked(string root)
    {
        var start = new ProcessStartInfo("git", ["ls-files", "-z", "--", "*.cs"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var git = Process.Start(start);
            if (git is null)
                return null;
            var output = git.StandardOutput.ReadToEnd();
            git.StandardError.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 ? [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries)] : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }

    private static List<string> OnDisk(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith(".git/", StringComparison.Ordinal))
            .ToList();
}
