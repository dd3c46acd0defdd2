using System.Net;
using System.Text.Json;
using Btc.Data;
using Btc.Data.Prices;
using Btc.LocalPostgres;
using Btc.Migrations;
using Btc.Tests.Infrastructure;
using Dapper;
using Npgsql;
using Btc.Data.History;

namespace Btc.Tests.Api;

/// <summary>
/// The API reading from a real streaming replica (pg_basebackup + standby.signal) while the primary takes the writes.
/// </summary>
public sealed class ReadReplicaTests
{
    [Fact]
    public async Task The_API_reads_from_the_replica_reports_its_lag_and_serves_what_the_primary_stored_once_replayed()
    {
        using var primary = PostgresCluster.Start();
        var primaryDb = new NpgsqlConnectionStringBuilder(primary.ConnectionString) { Database = "btc" }
            .ConnectionString;
        await using (var admin = new NpgsqlConnection(primary.ConnectionString))
            await admin.ExecuteAsync("CREATE DATABASE btc");
        Migrator.Up(primaryDb);
        using var replica = primary.StartStandby();
        var replicaDb = new NpgsqlConnectionStringBuilder(primaryDb)
        {
            Port = replica.Port,
            ApplicationName = "btc-api-on-replica",
        }.ConnectionString;
        await using var api = new ApiFactory(
            primaryDb,
            TimeProvider.System,
            ("ConnectionStrings:BtcReadOnly", replicaDb));
        using var http = api.CreateClient();

        var ready = JsonDocument.Parse(await http.GetStringAsync("/health/ready")).RootElement;
        ready.GetProperty("status").GetString().Should().Be("Healthy");
        ready.GetProperty("checks").GetProperty("replica")
            .GetProperty("data").GetProperty("lagSeconds").GetDouble().Should().BeGreaterThanOrEqualTo(0);

        // A price stored on the primary, as a page job stores it, is served once the replica has replayed it.
        await using var writes = BtcConnectionString.CreateDataSource(primaryDb);
        var coinId = await StoreOnePriceAsync(writes);
        var series = await Eventually.Until(
            () => http.GetAsync($"/stock/{coinId}/usd"),
            r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the replica to serve the primary's price");
        JsonDocument.Parse(await series.Content.ReadAsStringAsync()).RootElement.GetArrayLength().Should().Be(1);

        // The reads went to the replica: the API's connections are there, not on the primary.
        await using var onReplica = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(replicaDb) { ApplicationName = "probe" }.ConnectionString);
        (await onReplica.ExecuteScalarAsync<bool>("SELECT pg_is_in_recovery()")).Should().BeTrue();
        (await onReplica.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'btc-api-on-replica'"))
            .Should().BeGreaterThan(0);
    }

    private static async Task<string> StoreOnePriceAsync(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        var at = DateTime.UtcNow.AddMinutes(-2);
        await new PricePartitions(db)
            .EnsureAsync(DateOnly.FromDateTime(at).AddDays(-1), DateOnly.FromDateTime(at).AddDays(1));
        var coinKey = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO coin (id, symbol, name, is_tracked) "
                + "VALUES ('replicoin', 'rpc', 'Replicoin', true) RETURNING coin_key");
        var cycleId = await connection.ExecuteScalarAsync<int>(
            "INSERT INTO poll_cycle (trigger_id, scheduled_for, started_at) "
                + "VALUES ('replica-test', now(), now()) RETURNING cycle_id");
        await connection.ExecuteAsync(
            "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd) "
                + "VALUES (@coinKey, @cycleId, @at, 42.5)",
            new { coinKey, cycleId, at });
        return "replicoin";
    }
}
