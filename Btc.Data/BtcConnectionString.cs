using Microsoft.Extensions.Logging;
using Npgsql;

namespace Btc.Data;

/// <summary>
/// How every connection to BTC's database is made (which database: see Btc.Hosting's ConnectionStrings).
/// </summary>
public static class BtcConnectionString
{
    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? logging = null)
    {
        // The settings the fastest ASP.NET Core + PostgreSQL benchmark entries use; none changes behaviour here:
        // we never rely on session state surviving a return to the pool, nor on ambient transactions.
        var builder = new NpgsqlConnectionStringBuilder(WithKeepAlive(connectionString))
        {
            NoResetOnClose = true,
            Enlist = false,
            MaxAutoPrepare = 32,
            // Whatever the server's time zone: interval and date arithmetic on timestamptz must be UTC's (a 'day' in
            // Europe/Berlin is 23 or 25 hours twice a year).
            Timezone = "UTC",
        };
        // With the host's logging, Npgsql's command log (category Npgsql.Command, Information, off by default in
        // appsettings.json; never parameter values) carries the scope of the request or job that ran the command: its
        // trace id among them.
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(logging).Build();
    }

    /// <summary>
    /// Idle pooled connections pinged every few seconds: after a database restart every pooled connection is dead,
    /// and without the ping each would fail the first command that took it (57P01), a cycle lost per connection.
    /// </summary>
    public static string WithKeepAlive(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 2 }.ConnectionString;
}
