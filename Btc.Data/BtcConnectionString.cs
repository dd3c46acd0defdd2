using Btc.Data.Hosting;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Btc.Data;

public static class BtcConnectionString
{
    /// <summary>ConnectionStrings:Btc (env: ConnectionStrings__Btc), or a start-up failure that says so.</summary>
    public static string From(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString("Btc");
        return string.IsNullOrWhiteSpace(value)
            ? throw new StartupException("No database given: set ConnectionStrings__Btc to a PostgreSQL connection string.")
            : value;
    }

    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        // The settings the fastest ASP.NET Core + PostgreSQL benchmark entries use; none changes behaviour here:
        // we never rely on session state surviving a return to the pool, nor on ambient transactions.
        var builder = new NpgsqlConnectionStringBuilder(WithKeepAlive(connectionString))
        {
            NoResetOnClose = true,
            Enlist = false,
            MaxAutoPrepare = 32,
        };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>
    /// Idle pooled connections pinged every few seconds: after a database restart every pooled connection is dead,
    /// and without the ping each would fail the first command that took it (57P01), a cycle lost per connection.
    /// </summary>
    public static string WithKeepAlive(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 2 }.ConnectionString;
}
