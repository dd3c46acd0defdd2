using System.Net.Http.Json;
using System.Text.Json;
using Btc.Data.Polling;
using Btc.LocalPostgres;
using Btc.Migrations;
using Btc.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Btc.Tests.Live;

/// <summary>PostgreSQL restarted under open streams: none misses a point stored meanwhile, or gets one twice.</summary>
[Trait("Category", "Faults")]
public sealed class LiveRestartTests
{
    [Fact]
    public async Task After_a_database_restart_every_subscriber_has_every_point_stored_meanwhile_once()
    {
        // A private cluster: restarting the one every test shares would break the others.
        using var cluster = PostgresCluster.Start();
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "btc" }
            .ConnectionString;
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
            await admin.ExecuteAsync("CREATE DATABASE btc");
        Migrator.Up(connectionString);
        await using var coinGecko = await Simulator.StartAsync(coins: 200);
        await coinGecko.AdvanceAsync(-100);
        await using var worker = await WorkerHost.StartAsync(connectionString, coinGecko);
        await using var api = new ApiFactory(connectionString, TimeProvider.System);
        using var http = api.CreateClient();
        http.Timeout = Timeout.InfiniteTimeSpan;
        var cycles = 0;
        await CycleAsync(worker, coinGecko, connectionString, ++cycles);
        var coin = (await http.GetFromJsonAsync<string[]>("/stock"))![0];
        var since = (long)(await SeriesAsync(http, coin))[^1][0];

        var stream = new ResumingStream(http, $"/stock/{coin}/usd/live");
        var market = new ResumingStream(http, "/live?currency=usd");
        await using (stream)
        await using (market)
        {
            await stream.OpenAsync();
            await market.OpenAsync();
            await CycleAsync(worker, coinGecko, connectionString, ++cycles);
            cluster.Restart();
            await worker.WaitForCircuitClosedAsync();
            await CycleAsync(worker, coinGecko, connectionString, ++cycles);
            await CycleAsync(worker, coinGecko, connectionString, ++cycles);

            var expected = (await SeriesAsync(http, coin)).Where(p => p[0] > since).ToArray();
            expected.Should().HaveCount(3);
            var received = await stream.WaitForAsync(3);
            received.Select(e => JsonSerializer.Deserialize<double[]>(e.Data)).Should()
                .BeEquivalentTo(expected, o => o.WithStrictOrdering(), "every point once, in order");
            var ids = (await market.WaitForAsync(6)).Select(e => long.Parse(e.Id!)).ToArray();
            ids.Should().HaveCount(6, "two pages a cycle").And.BeInAscendingOrder();
            ids.Zip(ids.Skip(1)).Should().OnlyContain(p => p.Second == p.First + 1, "every page once, in commit order");
        }
    }

    /// <summary>
    /// Moves the market on and runs a cycle to completion. Right after a restart a cycle may draw a pooled connection
    /// the restart killed and fail (cycles are not retried): it is triggered again, as the next minute would.
    /// </summary>
    private static async Task CycleAsync(WorkerHost worker, Simulator coinGecko, string connectionString, int number)
    {
        await coinGecko.AdvanceAsync(1);
        await using var db = Btc.Data.BtcConnectionString.CreateDataSource(connectionString);
        var cycles = new PollCycleStore(db);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                worker.TriggerCycle();
                await Eventually.Until(async () => (await cycles.RecentAsync(100)).Count(c => c.Outcome == "complete"),
                    n => n >= number, TimeSpan.FromSeconds(20), $"cycle {number} complete");
                return;
            }
            catch (Exception) when (attempt < 4)
            {
            }
        }
    }

    private static async Task<double[][]> SeriesAsync(HttpClient http, string coin) =>
        (await http.GetFromJsonAsync<double[][]>($"/stock/{Uri.EscapeDataString(coin)}/usd?source=polled"))!;
}
