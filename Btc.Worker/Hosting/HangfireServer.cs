using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;

namespace Btc.Worker.Hosting;

/// <summary>
/// The Hangfire server a worker replica runs: the processes <see cref="BackgroundJobServer"/> runs (the workers, the
/// delayed and the recurring job schedulers, the storage's own), built here because two of its settings are not
/// reachable through <see cref="BackgroundJobServerOptions"/>. Each is why polling stopped for minutes after the
/// database came back (Hangfire.PostgreSql#392): a process that failed while the database was away waited attempt²
/// seconds before trying again — 49 s after a one-minute outage, two minutes after a longer one — and a server
/// another replica had meanwhile timed out and removed restarted only after 15 s.
/// </summary>
public static class HangfireServer
{
    private static readonly string[] Queues = [EnqueuedState.DefaultQueue];

    public static IServiceCollection AddBtcHangfireServer(this IServiceCollection services) =>
        services.AddHangfireServer(Create);

    private static IBackgroundProcessingServer Create(IServiceProvider provider)
    {
        var storage = provider.GetRequiredService<JobStorage>();
        var filters = provider.GetRequiredService<IJobFilterProvider>();
        var activator = provider.GetRequiredService<JobActivator>();
        var stateChanger = new BackgroundJobStateChanger(filters);
        // Delayed retries and rate-limit reschedules are due to the second; the default checks every 15 s.
        var schedulePolling = TimeSpan.FromSeconds(1);
        var workerCount = Math.Min(Environment.ProcessorCount * 5, 20); // Hangfire's default

        IBackgroundProcessDispatcherBuilder[] processes =
        [
            new Hangfire.Server.Worker(Queues, new BackgroundJobPerformer(filters, activator, TaskScheduler.Default), stateChanger).UseBackgroundPool(workerCount),
            new DelayedJobScheduler(schedulePolling, stateChanger).UseBackgroundPool(1),
            new RecurringJobScheduler(new BackgroundJobFactory(filters), schedulePolling, provider.GetRequiredService<ITimeZoneResolver>()).UseBackgroundPool(1),
        ];
        var properties = new Dictionary<string, object> { ["Queues"] = Queues, ["WorkerCount"] = workerCount };
        return new BackgroundProcessingServer(storage, processes, properties, new BackgroundProcessingServerOptions
        {
            ServerName = $"{Environment.MachineName}:{Environment.ProcessId}",
            // A process whose storage call failed tries again within seconds: a failed try costs one refused connection.
            RetryDelay = attempt => TimeSpan.FromSeconds(Math.Min(attempt, 5)),
            RestartDelay = TimeSpan.FromSeconds(1),
            // On SIGTERM, running jobs get this long to finish; what is still running then is cancelled and,
            // never having been removed from the queue, is picked up again by another replica.
            ShutdownTimeout = TimeSpan.FromSeconds(20),
            StopTimeout = TimeSpan.FromSeconds(15),
            // A killed replica leaves the servers list within a minute, not the default five.
            HeartbeatInterval = TimeSpan.FromSeconds(15),
            ServerTimeout = TimeSpan.FromMinutes(1),
            ServerCheckInterval = TimeSpan.FromSeconds(15),
        });
    }
}
