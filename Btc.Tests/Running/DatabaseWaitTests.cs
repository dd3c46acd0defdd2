using System.Diagnostics;
using Btc.Data;
using Btc.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Btc.Tests.Running;

/// <summary>
/// On a fresh host the database accepts connections last: the migrator waits for it, within a deadline.
/// </summary>
public sealed class DatabaseWaitTests
{
    [Fact]
    public async Task The_migrator_started_before_the_database_waits_for_it_then_migrates()
    {
        var database = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateEmptyDatabaseAsync());
        using var notYetListening = new TcpForwarder(database.Host!, database.Port);
        var throughForwarder = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = notYetListening.Port,
        };

        using var migrator = ProgramOutput.Of(BuiltProgram.Start("Btc.Migrations", new Dictionary<string, string>
        {
            ["ConnectionStrings__Btc"] = throughForwarder.ConnectionString,
            ["Database__StartupWaitSeconds"] = "120",
        }));
        await Eventually.Until(
            () => Task.FromResult(migrator.Text),
            text => text.Contains("Waiting for the database", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the migrator to say it waits for the database");
        migrator.Process.HasExited.Should()
            .BeFalse("a refused connection is no reason to exit while the deadline lasts");

        notYetListening.Open();
        await migrator.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);

        migrator.Process.ExitCode.Should().Be(0, migrator.Text);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        (await connection.ExecuteScalarAsync<long>("""SELECT max("Version") FROM "VersionInfo" """))
            .Should().Be(SchemaVersion.Required);
        (await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('hangfire.job') IS NOT NULL")).Should().BeTrue();
        await TestPostgres.DropDatabaseAsync(database.ConnectionString);
    }

    [Fact]
    public async Task The_migrator_gives_up_after_its_deadline_with_one_sentence()
    {
        using var nothingListens = new TcpForwarder("127.0.0.1", 1);
        var started = Stopwatch.StartNew();
        using var migrator = ProgramOutput.Of(BuiltProgram.Start("Btc.Migrations", new Dictionary<string, string>
        {
            ["ConnectionStrings__Btc"] = $"Host=127.0.0.1;Port={nothingListens.Port};Username=postgres;Database=btc",
            ["Database__StartupWaitSeconds"] = "3",
        }));
        await migrator.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        migrator.Process.ExitCode.Should().Be(1);
        started.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3), "it waits out its deadline");
        migrator.Text.Should().Contain("Waiting for the database");
        var errors = migrator.Errors.Trim();
        errors.Split('\n').Should().ContainSingle();
        errors.Should().StartWith($"Cannot reach the database at 127.0.0.1:{nothingListens.Port} after 3 s")
            .And.NotContain("   at ");
    }
}
