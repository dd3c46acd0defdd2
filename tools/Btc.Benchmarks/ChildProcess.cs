using System.Diagnostics;
using System.Globalization;

namespace Btc.Benchmarks;

/// <summary>A service of the repository started as its own process, so its CPU time and memory are its own.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static ChildProcess Start(string dll, IEnumerable<string> args, IDictionary<string, string> environment) =>
        StartProgram("dotnet", [dll, .. args], environment, Path.GetDirectoryName(dll)!);

    /// <summary>
    /// The built API on 127.0.0.1:<paramref name="port"/>, logging warnings only, with no rate limit (every request
    /// comes from one address here: the per-client limit would measure itself), <paramref name="more"/> on top.
    /// </summary>
    public static ChildProcess StartApi(string connectionString, int port, params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Btc"] = connectionString,
            ["Dashboard__Password"] = "benchmark",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Api__RequestsPerSecond"] = "0",
        };
        foreach (var (key, value) in more)
            environment[key] = value;
        return Start(Dll("Btc.Api"), ["--urls", $"http://127.0.0.1:{port}"], environment);
    }

    /// <summary>Any program (Caddy), its errors shown prefixed with its name like the services'.</summary>
    public static ChildProcess StartProgram(
        string program, IReadOnlyList<string> args, IDictionary<string, string> environment, string directory)
    {
        var name = program == "dotnet" ? Path.GetFileNameWithoutExtension(args[0]) : program;
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 })
                Console.Error.WriteLine($"  [{name}] {e.Data}");
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process);
    }

    /// <summary>User plus system CPU time so far, from /proc.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            var fields = File.ReadAllText($"/proc/{Id}/stat")
                .Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture)
                + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
    }

    /// <summary>Peak resident set size in MiB (VmHWM).</summary>
    public double PeakRssMiB =>
        File.ReadLines($"/proc/{Id}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])
            .Select(kib => double.Parse(kib, CultureInfo.InvariantCulture) / 1024)
            .Single();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Btc.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException(
            "Run the benchmark from the repository (Btc.sln not found above it).");
    }

    public static string Dll(string project) =>
        Path.Combine(RepositoryRoot(), project, "bin", "Release", "net10.0", Path.GetFileName(project) + ".dll");

    public static async Task WaitForHttpAsync(string url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if ((await http.GetAsync(url)).IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{url} did not answer within {timeout.TotalSeconds:0} s.");
            await Task.Delay(100);
        }
    }
}
