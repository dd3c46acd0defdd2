using System.Collections.Concurrent;
using System.Diagnostics;

namespace Btc.Tests.Infrastructure;

/// <summary>A child process's output as it arrives.</summary>
public sealed class ProgramOutput : IDisposable
{
    private readonly ConcurrentQueue<string> _out = new();
    private readonly ConcurrentQueue<string> _err = new();

    private ProgramOutput(Process process) => Process = process;

    public Process Process { get; }
    public string Text => string.Join('\n', _out);
    public string Errors => string.Join('\n', _err);

    public static ProgramOutput Of(Process process)
    {
        var output = new ProgramOutput(process);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) output._out.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output._err.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return output;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
            Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
