using System.Net;
using Btc.Data;
using Btc.Data.Polling;
using Btc.LocalPostgres;
using Btc.Migrations;
using Btc.Tests.Infrastructure;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Btc.Tests.Ingestion;

/// <summary>
/// PostgreSQL restarted, or away for a minute, under two worker
/// replicas and the API: polling resumes on schedule by itself.
/// </summary>
[Trait("Category", "Faults")]
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_a_database_restart_the_next_scheduled_cycles_run_on_time_and_complete()
    {
        await using var stack = await Stack.StartAsync();
        await stack.WaitForCyclesAsync();
        var storedBefore = await stack.SampleCountAsync();

        stack.Cluster.Restart();
        var back = DateTime.UtcNow;

        await stack.AssertRecoveredAsync(back, output);
        (await stack.SampleCountAsync()).Should().Be(storedBefore,
            "nothing stored before is lost (the simulator's prices stand still)");
    }

    [Fact]
    public async Task After_the_database_is_away_for_a_minute_the_first_scheduled_cycles_run_on_time_and_complete()
    {
        await using var stack = await Stack.StartAsync();
        await stack.WaitForCyclesAsync();
        var storedBefore = await stack.SampleCountAsync();

        stack.Cluster.Stop();
        // The API follows the database: not ready, and a request for data gets 503 with Retry-After, never a 500.
        await Eventually.Until(
            () => StatusAsync(stack.Http, "/health/ready"),
            s => s == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(15), "the API not ready while the database is away");
        var refused = await stack.Http.GetAsync("/stock");
        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.Should().NotBeNull();
        // The outage's length is the fault itself, not a wait for something to happen.
        await Task.Delay(TimeSpan.FromSeconds(60));
        stack.Cluster.Resume();
        var back = DateTime.UtcNow;

        await stack.AssertRecoveredAsync(back, output);
        (await stack.SampleCountAsync()).Should().Be(storedBefore,
            "nothing stored before is lost (the simulator's prices stand still)");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        var status = (await http.GetAsync(path)).StatusCode;
        status.Should().NotBe(HttpStatusCode.InternalServerError, $"{path} never answers 500");
        return status;
    }

    /// <summary>
    /// A private cluster (stopping the one every test shares would
    /// break the others), two replicas polling every 10 s, the API.
    /// </summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _parts = [];

        public required PostgresCluster Cluster { get; init; }
        public required NpgsqlDataSource Db { get; init; }
        public required WorkerHost First { get; init; }
        public required HttpClient Http { get; init; }
        private PollCycleStore Cycles => new(Db);

        public static async Task<Stack> StartAsync()
        {
            var cluster = PostgresCluster.Start();
            var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "btc" }
                .ConnectionString;
            await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
                await admin.ExecuteAsync("CREATE DATABASE btc");
            Migrator.Up(connectionString);
            var coinGecko = await Simulator.StartAsync(coins: 100);
            (string, string)[] every10Seconds = [("Polling:Cron", "*/10 * * * * *")];
            var first = await WorkerHost.StartAsync(connectionString, coinGecko, every10Seconds);
            var second = await WorkerHost.StartAsync(connectionString, coinGecko, every10Seconds);
            var api = new ApiFactory(connectionString, TimeProvider.System);
            var db = BtcConnectionString.CreateDataSource(connectionString);
            var stack = new Stack { Cluster = cluster, Db = db, First = first, Http = api.CreateClient() };
            stack._parts.AddRange([api, second, first, coinGecko, db]);
            return stack;
        }

        public Task WaitForCyclesAsync() => Eventually.Until(
            async () => (await RecentAsync()).Count(c => c.Outcome == "complete"),
            n => n >= 2,
            TimeSpan.FromSeconds(60),
            "two scheduled cycles before the fault");

        /// <summary>
        /// The API is ready and answers at once; the first two ticks at least 10 s after the database is back run on
        /// time and complete; no job is left processing; nothing is stored twice.
        /// </summary>
        public async Task AssertRecoveredAsync(DateTime back, ITestOutputHelper output)
        {
            // Pooled connections the restart killed are found by their keepalive within seconds; until then a request
            // that draws one gets 503 with Retry-After, never a 500.
            await Eventually.Until(
                () => StatusAsync(Http, "/health/ready"),
                s => s == HttpStatusCode.OK,
                TimeSpan.FromSeconds(15),
                "the API ready again");
            output.WriteLine($"API ready {(DateTime.UtcNow - back).TotalSeconds:0.0} s after the database came back");
            (await StatusAsync(Http, "/stock")).Should().Be(HttpStatusCode.OK);

            var after = await Eventually.Until(
                async () => (await RecentAsync())
                    .Where(c => c.ScheduledFor >= back.AddSeconds(10)).OrderBy(c => c.ScheduledFor).Take(2).ToArray(),
                c => c.Length == 2 && c.All(x => x.FinishedAt is not null),
                TimeSpan.FromSeconds(60),
                "the first two cycles scheduled after the database came back");
            var latest = after.Max(c => c.StartedAt - c.ScheduledFor);
            output.WriteLine(
                $"first cycle after: started {(after[0].StartedAt - back).TotalSeconds:0.0} s after the database "
                + $"came back, {latest.TotalSeconds:0.00} s after its tick at most");
            after.Should().OnlyContain(
                c => c.Outcome == "complete" && c.StartedAt - c.ScheduledFor < TimeSpan.FromSeconds(5),
                "each starts on time and completes");

            var monitoring = First.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            await Eventually.Until(
                () => Task.FromResult(monitoring.ProcessingCount()),
                n => n == 0,
                TimeSpan.FromSeconds(90),
                "no job left processing");
            (await StoredSamples.DuplicatesAsync(Db)).Should().Be(0, "no sample stored twice");
        }

        public Task<int> SampleCountAsync() => StoredSamples.CountAsync(Db);

        // The test's own probes draw from a pool the restart killed too: a failed probe is "not yet".
        private async Task<IReadOnlyList<PollCycle>> RecentAsync()
        {
            try
            {
                return await Cycles.RecentAsync(50);
            }
            catch (NpgsqlException)
            {
                return [];
            }
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            foreach (var part in _parts)
                await part.DisposeAsync();
            Cluster.Dispose();
        }
    }
}
