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

/// <summary>PostgreSQL restarted under two worker replicas and the API: polling resumes on schedule by itself.</summary>
[Collection(HangfireCollection.Name)]
[Trait("Category", "Faults")]
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_a_database_restart_the_next_scheduled_cycles_run_on_time_and_complete()
    {
        // A server of its own: restarting the one every test shares would break the others' connections.
        using var cluster = PostgresCluster.Start();
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "btc" }.ConnectionString;
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
            await admin.ExecuteAsync("CREATE DATABASE btc");
        Migrator.Up(connectionString);
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        (string, string)[] every10Seconds = [("Polling:Cron", "*/10 * * * * *")];
        await using var first = await WorkerHost.StartAsync(connectionString, coinGecko, every10Seconds);
        await using var second = await WorkerHost.StartAsync(connectionString, coinGecko, every10Seconds);
        await using var api = new ApiFactory(connectionString, TimeProvider.System);
        using var http = api.CreateClient();
        await using var db = BtcConnectionString.CreateDataSource(connectionString);
        var cycles = new PollCycleStore(db);
        await Eventually.Until(() => CompletedAsync(cycles), n => n >= 2, TimeSpan.FromSeconds(60), "two scheduled cycles before the restart");

        cluster.Restart();
        var back = DateTime.UtcNow;

        // Pooled connections the restart killed are found by their keepalive within seconds; until then a request
        // that draws one gets 503 with Retry-After, never a 500.
        await Eventually.Until(() => StatusAsync(http, "/health/ready"), s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "the API ready again");
        output.WriteLine($"API ready {(DateTime.UtcNow - back).TotalSeconds:0.0} s after the database came back");
        (await StatusAsync(http, "/stock")).Should().Be(HttpStatusCode.OK);
        // The first two ticks at least 10 s after the database is back run on time and complete.
        var after = await Eventually.Until(
            async () => (await RecentAsync(cycles)).Where(c => c.ScheduledFor >= back.AddSeconds(10) && c.Outcome == "complete").ToArray(),
            c => c.Length >= 2, TimeSpan.FromSeconds(60), "two complete cycles scheduled after the restart");
        output.WriteLine($"first complete cycle scheduled after: started {(after.Min(c => c.StartedAt) - back).TotalSeconds:0.0} s after the restart, " +
                         $"{(after.Max(c => c.StartedAt - c.ScheduledFor)).TotalSeconds:0.00} s after its tick at most");
        after.Should().OnlyContain(c => c.StartedAt - c.ScheduledFor < TimeSpan.FromSeconds(5), "each starts on time");
        var monitoring = first.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Eventually.Until(() => Task.FromResult(monitoring.ProcessingCount()), n => n == 0, TimeSpan.FromSeconds(90), "no job left processing");
    }

    private static async Task<int> CompletedAsync(PollCycleStore cycles) =>
        (await RecentAsync(cycles)).Count(c => c.Outcome == "complete");

    // The test's own probes draw from a pool the restart killed too: a failed probe is "not yet".
    private static async Task<IReadOnlyList<PollCycle>> RecentAsync(PollCycleStore cycles)
    {
        try
        {
            return await cycles.RecentAsync(20);
        }
        catch (NpgsqlException)
        {
            return [];
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        var status = (await http.GetAsync(path)).StatusCode;
        status.Should().NotBe(HttpStatusCode.InternalServerError, $"{path} never answers 500");
        return status;
    }
}
