using Btc.Tests.Infrastructure;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Btc.Tests.Ingestion;

public sealed class ReplicaTests
{
    [Fact]
    public async Task Two_servers_sharing_storage_run_one_cycle_per_tick_store_no_duplicates_keep_to_the_call_budget()
    {
        const int budget = 8;
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        // The simulator refuses (429) anything past the budget, so an overshoot would show as a refused call.
        await coinGecko.SetRateLimitAsync(budget);
        // Every 5 seconds, with 2 calls a cycle: demand (24 a minute) is three times the budget.
        (string, string)[] settings = [("Polling:Cron", "*/5 * * * * *"), ("CoinGecko:CallsPerMinute", $"{budget}")];
        await using var first = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings);
        await using var second = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings);
        var monitoring = first.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Eventually.Until(() => Task.FromResult(monitoring.Servers().Count), n => n == 2, CycleProbe.Deadline,
            "both servers to announce themselves");

        // Wait until the schedule has asked for more cycles than the budget can serve in a minute.
        await Eventually.Until(() => PollJobsCreatedAsync(db), n => n >= 7, TimeSpan.FromSeconds(90),
            "seven poll triggers");

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var cycles = (await connection.QueryAsync<(string TriggerId, DateTime ScheduledFor)>(
            "SELECT trigger_id, scheduled_for FROM poll_cycle")).AsList();
        cycles.Should().HaveCountGreaterThanOrEqualTo(2);
        cycles.Select(c => c.ScheduledFor).Should().OnlyHaveUniqueItems("each schedule tick makes one cycle");

        var keys = await StoredSamples.KeysAsync(db.DataSource);
        keys.Should().OnlyHaveUniqueItems().And.NotBeEmpty();

        var calls = await coinGecko.CallsAsync();
        calls.Should().NotContain(c => c.Path == "refused", "no call may be refused for the rate limit");
        calls.Select(c => calls.Count(o => o.At >= c.At && o.At < c.At.AddMinutes(1)))
            .Max().Should().BeLessThanOrEqualTo(budget);
    }

    [Fact]
    public async Task Replicas_starting_together_poll_once()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        (string, string)[] settings = [("Polling:PollOnStart", "true")];

        var replicas = await Task.WhenAll(
            Enumerable.Range(0, 3).Select(_ => WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings)));
        try
        {
            // Each replica decided at start: by now every trigger there will be was made.
            (await PollJobsCreatedAsync(db)).Should().Be(1, "three replicas starting together poll once");
            await CycleProbe.WaitForFinishedCycleAsync(db, 1);
            (await coinGecko.CallsAsync())
                .Count(c => c.Path.EndsWith("/coins/list", StringComparison.Ordinal)).Should().Be(1);

            // A replica started later, while the cycle is recent, does not poll again either.
            await using var late = await WorkerHost.StartAsync(db.ConnectionString, coinGecko, settings);
            (await PollJobsCreatedAsync(db)).Should().Be(1);
        }
        finally
        {
            foreach (var replica in replicas)
                await replica.DisposeAsync();
        }
    }

    private static async Task<int> PollJobsCreatedAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM hangfire.job WHERE invocationdata::text LIKE '%IPollCycleJob%'");
    }
}
