using Btc.LocalPostgres;
using Btc.Migrations;
using Npgsql;

namespace Btc.Tests.Infrastructure;

/// <summary>
/// The run's one PostgreSQL server: BTC_TEST_POSTGRES when set, otherwise a throwaway cluster.
/// Holds a migrated template database that every test class clones.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Server> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    private sealed record Server(string AdminConnectionString, string TemplateName, PostgresCluster? Cluster);

    /// <summary>Creates a fresh, migrated database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = Instance.Value;
        var name = $"btc_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {server.TemplateName}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return WithDatabase(server.AdminConnectionString, name);
    }

    /// <summary>An empty database with no migrations applied, for migration tests.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var server = Instance.Value;
        var name = $"btc_empty_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var admin = new NpgsqlConnection(server.AdminConnectionString);
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0", admin);
        await create.ExecuteNonQueryAsync();
        return WithDatabase(server.AdminConnectionString, name);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        // Only this database's pool: clearing every pool would break the connections of tests still running.
        await using (var pooled = new NpgsqlConnection(connectionString))
            NpgsqlConnection.ClearPool(pooled);
        await using var admin = new NpgsqlConnection(Instance.Value.AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static Server Start()
    {
        var external = Environment.GetEnvironmentVariable("BTC_TEST_POSTGRES");
        var cluster = string.IsNullOrWhiteSpace(external) ? PostgresCluster.Start() : null;
        if (cluster is not null)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        var admin = external ?? cluster!.ConnectionString;

        var template = $"btc_template_{Environment.ProcessId}";
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {template}", connection))
                drop.ExecuteNonQuery();
            using var create = new NpgsqlCommand(
                $"CREATE DATABASE {template} TEMPLATE template0 ENCODING 'UTF8'",
                connection);
            create.ExecuteNonQuery();
        }
        var templateConnection = WithDatabase(admin, template);
        Migrator.Up(templateConnection);
        // A template must have no open sessions when it is cloned.
        NpgsqlConnection.ClearAllPools();
        return new Server(admin, template, cluster);
    }

    private static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
}
