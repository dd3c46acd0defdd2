using Btc.Hosting.Jobs;
using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;
using Dapper;
using Hangfire;
using Hangfire.Storage.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Btc.Worker.Hosting;

namespace Btc.Tests.Ingestion;

/// <summary>
/// Each job fails as its policy (Btc.Worker/Hosting/JobPolicies.cs) says, read back from the job's state history.
/// </summary>
[Trait("Category", "Faults")]
public sealed class JobPolicyTests
{
    [Fact]
    public async Task A_failing_page_is_retried_twice_within_its_minute_then_fails()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        // Not CoinGecko's JSON, every time: each attempt fails (lasting
        // 5xx would open the circuit, which a page waits for).
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Malformed, Count: 1_000, Path: "/simple/price"));

        worker.TriggerCycle();
        var history = await FinalHistoryAsync(worker, nameof(IPricePageJob), TimeSpan.FromSeconds(90));

        history[0].StateName.Should().Be("Failed");
        history.Count(h => h.StateName == "Processing").Should().Be(3, "the first attempt and two retries");
        history.Where(h => h.StateName == "Scheduled").Select(h => h.Reason).Should().SatisfyRespectively(
            second => second.Should().StartWith("Retry attempt 2 of 2"),
            first => first.Should().StartWith("Retry attempt 1 of 2"));
        (history[0].CreatedAt - history[^1].CreatedAt).Should().BeLessThan(TimeSpan.FromSeconds(60),
            "its retries stay within its minute");
        (await CycleProbe.SampleCountAsync(db)).Should().Be(0, "a failed page writes nothing");
    }

    [Fact]
    public async Task A_failed_poll_cycle_and_a_failed_rank_recompute_are_not_retried_and_the_daily_chores_are()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Status, Count: 1_000, Path: "/coins/list", Status: 500));
        await coinGecko.AddFaultAsync(
            new Fault(FaultKind.Status, Count: 1_000, Path: "/simple/supported_vs_currencies", Status: 500));
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            // What the ranks and partition maintenance need, taken away so that they fail.
            await connection.ExecuteAsync("""
                ALTER TABLE volatility_rank RENAME TO volatility_rank_gone;
                ALTER FUNCTION ensure_price_sample_partition(date) RENAME TO ensure_price_sample_partition_gone;
                """);
        }
        // Starting enqueues the currency sync and the partition maintenance.
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        worker.TriggerCycle();
        worker.Services.GetRequiredService<IBackgroundJobClient>()
            .Enqueue<IVolatilityRanksJob>(job => job.RunAsync(CancellationToken.None));

        foreach (var job in new[] { nameof(IPollCycleJob), nameof(IVolatilityRanksJob) })
        {
            var history = await FinalHistoryAsync(worker, job, TimeSpan.FromSeconds(30));
            history.Select(h => h.StateName).Should().Equal(["Failed", "Processing", "Enqueued"],
                $"{job} is not retried");
            history[0].Reason.Should().NotStartWith("Retry attempt");
        }
        foreach (var job in new[] { nameof(ISyncCurrenciesJob), nameof(IPartitionMaintenanceJob) })
        {
            var history = await HistoryAsync(
                worker,
                job,
                h => h.Any(s => s.StateName == "Scheduled"),
                TimeSpan.FromSeconds(30));
            history.First(h => h.StateName == "Scheduled").Reason.Should().StartWith("Retry attempt 1 of 3",
                $"{job} is retried");
        }
    }

    private static Task<List<StateHistoryDto>> FinalHistoryAsync(
        WorkerHost worker,
        string contract,
        TimeSpan timeout) =>
        HistoryAsync(worker, contract, h => h.Count > 0 && h[0].StateName == "Failed", timeout);

    /// <summary>
    /// The state history (newest first) of the one job of
    /// <paramref name="contract"/>, once it satisfies <paramref name="done"/>.
    /// </summary>
    private static Task<List<StateHistoryDto>> HistoryAsync(
        WorkerHost worker,
        string contract,
        Func<List<StateHistoryDto>, bool> done,
        TimeSpan timeout)
    {
        var storage = worker.Services.GetRequiredService<JobStorage>();
        return Eventually.Until(() =>
            {
                using var connection = storage.GetConnection();
                var monitoring = storage.GetMonitoringApi();
                var ids = new[]
                    {
                        monitoring.FailedJobs(0, 100).Select(j => j.Key),
                        monitoring.ScheduledJobs(0, 100).Select(j => j.Key),
                        monitoring.ProcessingJobs(0, 100).Select(j => j.Key),
                        monitoring.SucceededJobs(0, 100).Select(j => j.Key),
                        monitoring.EnqueuedJobs("default", 0, 100).Select(j => j.Key),
                    }
                    .SelectMany(k => k).Distinct();
                var job = ids.Select(id => monitoring.JobDetails(id))
                    .FirstOrDefault(d => d?.Job?.Type.Name == contract);
                return Task.FromResult(job?.History.ToList() ?? []);
            },
            done, timeout, $"the {contract} job's state history");
    }
}
