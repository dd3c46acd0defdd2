using Btc.Hosting.Jobs;
using Hangfire;
using Hangfire.Common;
using Btc.Worker.Polling;

namespace Btc.Worker.Hosting;

/// <summary>
/// Every job's retry policy, in one place. Hangfire reads filter attributes from the type in the job's expression —
/// the contracts in Btc.Hosting/Jobs, not the classes the container resolves later (Hangfire#904) — so attributes on
/// the job classes were never read, and every job retried 10 times over hours. This provider gives Hangfire the
/// policy by contract, at method scope, so that it wins over the global default.
/// </summary>
public sealed class JobPolicies : IJobFilterProvider
{
    private static readonly Dictionary<Type, AutomaticRetryAttribute> Retries = new()
    {
        // A missed minute is not replayed: the next cycle is fresher than any retry could be.
        [typeof(IPollCycleJob)] = new() { Attempts = 0 },
        // Twice, quickly, while the page's minute lasts; a newer cycle then supersedes it (PricePageJob checks).
        [typeof(IPricePageJob)] = new() { Attempts = 2, DelaysInSeconds = [5, 15] },
        // The next cycle recomputes the ranks anyway.
        [typeof(IVolatilityRanksJob)] = new() { Attempts = 0 },
        // Run every minute or ten and resume where the last run stopped.
        [typeof(ISeriesCompactionJob)] = new() { Attempts = 0 },
        [typeof(IBarRollupJob)] = new() { Attempts = 0 },
        [typeof(IBackfillJob)] = new() { Attempts = 0 },
        // Daily chores: a few tries over a few minutes, then Failed in the dashboard.
        [typeof(ISyncCurrenciesJob)] = new() { Attempts = 3, DelaysInSeconds = [10, 60, 300] },
        [typeof(IPartitionMaintenanceJob)] = new() { Attempts = 3, DelaysInSeconds = [10, 60, 300] },
    };

    /// <summary>The policies, and Hangfire's own providers (its global filters and attributes) under them.</summary>
    public static IJobFilterProvider WithHangfireDefaults() =>
        new JobFilterProviderCollection(JobFilterProviders.Providers, new JobPolicies());

    public IEnumerable<JobFilter> GetFilters(Job job) =>
        job.Type is { } type && Retries.TryGetValue(type, out var retry)
            ? [new JobFilter(retry, JobFilterScope.Method, null)]
            : [];
}
