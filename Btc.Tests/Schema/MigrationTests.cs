using Btc.Migrations;
using Btc.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Btc.Tests.Schema;

public sealed class MigrationTests
{
    [Fact]
    public void The_schema_version_the_services_require_is_the_newest_migration()
    {
        var newest = typeof(Migrator).Assembly.GetTypes()
            .Select(
                t => t.GetCustomAttributes(typeof(FluentMigrator.MigrationAttribute), false)
                    .OfType<FluentMigrator.MigrationAttribute>().SingleOrDefault())
            .Max(m => m?.Version ?? 0);

        Btc.Data.SchemaVersion.Required.Should().Be(newest,
            "a service built with a new migration must not report ready on a schema without it");
    }

    [Fact]
    public async Task The_applied_version_is_read_from_the_database()
    {
        await using var db = await DatabaseFixture.CreateAsync();

        (await Btc.Data.SchemaVersion.AppliedAsync(db.DataSource)).Should().Be(Btc.Data.SchemaVersion.Required);
    }

    [Fact]
    public async Task Migrating_up_from_empty_down_to_zero_and_up_again_succeeds()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            Migrator.Up(connectionString);
            (await TablesAsync(connectionString))
                .Should().Contain(["coin", "currency", "price_sample", "poll_cycle", "volatility_rank"]);

            Migrator.Down(connectionString, 0);
            (await TablesAsync(connectionString))
                .Should().NotContain(["coin", "currency", "price_sample", "poll_cycle", "volatility_rank"]);

            Migrator.Up(connectionString);
            await using var connection = new NpgsqlConnection(connectionString);
            (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM currency")).Should().Be(62);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task Migrating_up_twice_is_a_no_op()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            Migrator.Up(connectionString);
            var act = () => Migrator.Up(connectionString);
            act.Should().NotThrow();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task<IReadOnlyList<string>> TablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).AsList();
    }
}
