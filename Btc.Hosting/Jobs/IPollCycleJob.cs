using Hangfire.Server;

namespace Btc.Hosting.Jobs;

// Job contracts live here, not in the worker: the dashboard in Btc.Api creates a recurring job itself when
// "Trigger now" is pressed, so it must load the job's type. The worker registers the implementations.

/// <summary>The recurring poll: reads the coin list, picks the tracked coins, enqueues one page job per page.</summary>
public interface IPollCycleJob
{
    Task RunAsync(PerformContext? context, CancellationToken ct);
}
