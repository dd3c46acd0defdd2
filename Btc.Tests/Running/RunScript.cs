using Btc.LocalPostgres;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Btc.Tests.Running;

/// <summary>
/// <c>run.sh --offline</c> started as a person would, on free ports, its output collected as it arrives.
/// </summary>
public sealed class RunScript : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private RunScript(Process process, int apiPort, int pgPort, string marker)
    {
        _process = process;
        ApiPort = apiPort;
        PgPort = pgPort;
        Marker = marker;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int ApiPort { get; }
    public int PgPort { get; }
    /// <summary>
    /// In the environment of every process the script starts, so a test can find any that outlive it.
    /// </summary>
    public string Marker { get; }
    public Process Process => _process;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Starts <paramref name="script"/> (run.sh, or a path that reaches it) with only the given BTC settings.
    /// </summary>
    public static RunScript Start(string script, IReadOnlyDictionary<string, string> environment)
    {
        var (apiPort, pgPort, marker) = (LoopbackPorts.Free(), LoopbackPorts.Free(), Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("bash", [script, "--offline", "--port", apiPort.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("BTC_DATA_DIR");
        start.Environment["BTC_PG_PORT"] = pgPort.ToString();
        start.Environment["BTC_RUN_MARKER"] = marker;
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new RunScript(Process.Start(start)!, apiPort, pgPort, marker);
    }

    /// <summary>
    /// Waits for a line of output; fails with everything the script said when it exits or the time runs out.
    /// </summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException(
                    $"run.sh {(_process.HasExited ? "exited" : "timed out")} before printing '{text}'. Its "
                        + $"output:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>What Ctrl-C or a service manager does: SIGTERM, then wait for the script to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
        }
        _process.Dispose();
    }

    public static IReadOnlyList<int> ProcessesMarked(string marker) =>
        Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/environ").Contains(marker, StringComparison.Ordinal);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            }).ToArray();

    public static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
