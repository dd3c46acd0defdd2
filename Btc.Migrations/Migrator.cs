using FluentMigrator.Runner;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Btc.Migrations;

/// <summary>Applies or reverts the schema; used by the command line, the tests and the benchmarks.</summary>
public static class Migrator
{
    /// <summary>Applies pending migrations, then Hangfire's own schema, so no replica races to create it.</summary>
    public static void Up(string connectionString, Action<ILoggingBuilder>? logging = null)
    {
        Run(connectionString, logging, runner => runner.MigrateUp());
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        PostgreSqlObjectsInstaller.Install(connection, "hangfire");
    }

    /// <summary>Reverts every migration above <paramref name="version"/> (0 reverts them all).</summary>
    public static void Down(string connectionString, long version, Action<ILoggingBuilder>? logging = null) =>
        Run(connectionString, logging, runner => runner.MigrateDown(version));

    private static void Run(string connectionString, Action<ILoggingBuilder>? logging, Action<IMigrationRunner> migrate)
    {
        using var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddPostgres()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(typeof(Migrator).Assembly).For.Migrations())
            .AddLogging(builder => logging?.Invoke(builder))
            .BuildServiceProvider(validateScopes: false);

        using var scope = services.CreateScope();
        migrate(scope.ServiceProvider.GetRequiredService<IMigrationRunner>());
    }
}
