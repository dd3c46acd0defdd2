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
/// database came back (Hangfire.PostgreSql#392): a process that failed while the database was away waited
/// attempt² seconds before trying again — after a one-minute stop, worker loops were seen scheduled 1 to 5 minutes
/// out — and a server another replica had meanwhile timed out and removed restarted only after 15 s.
/// Like Hangfire's own hosted service, it starts once the host has started (Hangfire#2117: not before the recurring
/// jobs are registered, and not at all when start-up fails) and stops when the host stops.
/// </summary>
public sealed class HangfireServer(IServiceProvider provider, IHostApplicationLifetime lifetime)
    : IHostedService, IDisposable
{
    private static readonly string[] Queues = [EnqueuedState.DefaultQueue];
    private IBackgroundProcessingServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _server = Create());
        lifetime.ApplicationStopping.Register(() => _server?.SendStop());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
            return Task.CompletedTask;
        _server.SendStop();
        return _server.WaitForShutdownAsync(cancellationToken);
    }

    public void Dispose() => _server?.Dispose();

    private BackgroundProcessingServer Create()
    {
        // Hangfire's global settings (serializer, logging: UseBtcSettings) are applied when this is first resolved.
        provider.GetRequiredService<IGlobalConfiguration>();
        var storage = provider.GetRequiredService<JobStorage>();
        var filters = provider.GetRequiredService<IJobFilterProvider>();
        var activator = provider.GetRequiredService<JobActivator>();
        var stateChanger = new BackgroundJobStateChanger(filters);
        // Delayed retries and rate-limit reschedules are due to the second; the default checks every 15 s.
        var schedulePolling = TimeSpan.FromSeconds(1);
        var workerCount = Math.Min(Environment.ProcessorCount * 5, 20); // Hangfire's default

        IBackgroundProcessDispatcherBuilder[] processes =
        [
            new Hangfire.Server.Worker(
                    Queues, new BackgroundJobPerformer(filters, activator, TaskScheduler.Default), stateChanger)
                .UseBackgroundPool(workerCount),
            new DelayedJobScheduler(schedulePolling, stateChanger).UseBackgroundPool(1),
            new RecurringJobScheduler(
                    new BackgroundJobFactory(filters),
                    schedulePolling,
                    provider.GetRequiredService<ITimeZoneResolver>())
                .UseBackgroundPool(1),
        ];
        var properties = new Dictionary<string, object> { ["Queues"] = Queues, ["WorkerCount"] = workerCount };
        return new BackgroundProcessingServer(storage, processes, properties, new BackgroundProcessingServerOptions
        {
            ServerName = $"{Environment.MachineName}:{Environment.ProcessId}",
            // A process whose storage call failed tries again within seconds: a failed try costs one refused
            // connection.
            RetryDelay = attempt => TimeSpan.FromSeconds(Math.Min(attempt, 5)),
            RestartDelay = TimeSpan.FromSeconds(1),
            // On SIGTERM, running jobs get this long to finish; what is still running then is cancelled and, never
            // having been removed from the queue, is picked up again by another replica.
            StopTimeout = TimeSpan.FromSeconds(15),
            // Then this long for the cancelled jobs to give up before the server stops waiting for them.
            ShutdownTimeout = TimeSpan.FromSeconds(20),
            // A killed replica leaves the servers list within a minute, not the default five.
            HeartbeatInterval = TimeSpan.FromSeconds(15),
            ServerTimeout = TimeSpan.FromMinutes(1),
            ServerCheckInterval = TimeSpan.FromSeconds(15),
        });
    }
}
