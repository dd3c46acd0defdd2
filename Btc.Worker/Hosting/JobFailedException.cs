namespace Btc.Worker.Hosting;

/// <summary>
/// A job's run failed for a reason already recorded where it belongs (a cycle's or page's row): thrown so that Hangfire
/// marks the job failed, applies its retry policy (<see cref="JobPolicies"/>) and shows it in the dashboard.
/// </summary>
public sealed class JobFailedException(string reason, Exception? inner = null) : Exception(reason, inner);
