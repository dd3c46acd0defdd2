using Btc.Hosting.Startup;
using Btc.Hosting.Jobs;
using Btc.Data.Polling;
using Btc.Worker.Budget;
using Btc.Worker.Polling;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Hosting;

/// <summary>Registers the recurring jobs when a replica starts, and runs the start-up chores once.</summary>
public sealed class RecurringJobsRegistration(
    IRecurringJobManager recurring,
    IBackgroundJobClient jobs,
    JobStorage storage,
    PollCycleStore cycles,
    BudgetPlanner budget,
    IOptions<PollingOptions> polling,
    TimeProvider clock,
    ILogger<RecurringJobsRegistration> log)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var utc = new RecurringJobOptions
        {
            TimeZone = TimeZoneInfo.Utc,
            // After downtime, poll now rather than replay the minutes that were missed.
            MisfireHandling = MisfireHandlingMode.Ignorable,
        };

        // Replicas starting together make Hangfire.PostgreSql's AddOrUpdate fail on serialization conflicts;
        // the definitions are the same, so trying again until one write wins is enough.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                AddOrUpdateRecurringJobs(utc);
                break;
            }
            catch (ArgumentException e) when (e.Message.Contains("CRON", StringComparison.OrdinalIgnoreCase))
            {
                throw new StartupException(
                    $"Polling__Cron '{polling.Value.Cron}' is not a valid cron expression, e.g. '* * * * *'.", e);
            }
            catch (Exception e) when (attempt < 10 && e is not OperationCanceledException)
            {
                log.LogDebug(e, "Registering recurring jobs collided with another replica; attempt {Attempt}", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 300) * attempt), cancellationToken);
            }
        }

        // Currencies and partitions are needed before the first cycle, not only after the daily run.
        jobs.Enqueue<ISyncCurrenciesJob>(job => job.RunAsync(CancellationToken.None));
        jobs.Enqueue<IPartitionMaintenanceJob>(job => job.RunAsync(CancellationToken.None));

        log.LogInformation("{Plan}", await budget.DescribeAsync(cancellationToken));

        if (polling.Value.PollOnStart)
            await PollOnStartAsync(cancellationToken);
    }

    private void AddOrUpdateRecurringJobs(RecurringJobOptions utc)
    {
        recurring.AddOrUpdate<IPollCycleJob>(RecurringJobIds.PollCycle,
            job => job.RunAsync(null, CancellationToken.None), polling.Value.Cron, utc);
        recurring.AddOrUpdate<ISyncCurrenciesJob>(RecurringJobIds.SyncCurrencies,
            job => job.RunAsync(CancellationToken.None), Cron.Daily(3), utc);
        recurring.AddOrUpdate<IPartitionMaintenanceJob>(RecurringJobIds.PartitionMaintenance,
            job => job.RunAsync(CancellationToken.None), Cron.Daily(0, 5), utc);
        recurring.AddOrUpdate<ISeriesCompactionJob>(RecurringJobIds.SeriesCompaction,
            job => job.RunAsync(CancellationToken.None), Cron.Minutely(), utc);
        recurring.AddOrUpdate<IBarRollupJob>(RecurringJobIds.BarRollup,
            job => job.RunAsync(CancellationToken.None), "*/10 * * * *", utc);
        recurring.AddOrUpdate<IBackfillJob>(RecurringJobIds.Backfill,
            job => job.RunAsync(CancellationToken.None), Cron.Minutely(), utc);
    }

    /// <summary>
    /// A fresh start shows prices in seconds, not at the next tick; replicas starting together poll once. Under one
    /// lock, a replica triggers the cycle only when no trigger (scheduled, by hand or by another replica's start) and
    /// no cycle happened in the last two minutes: triggering records the trigger's time before the lock is let go.
    /// </summary>
    private async Task PollOnStartAsync(CancellationToken ct)
    {
        var recently = clock.GetUtcNow().UtcDateTime.AddMinutes(-2);
        using var connection = storage.GetConnection();
        using var _ = connection.AcquireDistributedLock("btc:poll-on-start", TimeSpan.FromSeconds(30));
        var triggered = connection.GetRecurringJobs([RecurringJobIds.PollCycle]).SingleOrDefault()?.LastExecution;
        var last = (await cycles.RecentAsync(1, ct)).FirstOrDefault();
        if (triggered >= recently || last?.StartedAt >= recently)
            return;
        recurring.Trigger(RecurringJobIds.PollCycle);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
