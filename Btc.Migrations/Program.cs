using System.Net.Sockets;
using Btc.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

// Usage: dotnet run --project Btc.Migrations [-- up | down <version>]
var builder = Host.CreateApplicationBuilder(args);
var connectionString = builder.Configuration.GetConnectionString("Btc");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("No database given: set ConnectionStrings__Btc to a PostgreSQL connection string.");
    return 2;
}

var command = args.FirstOrDefault(a => !a.Contains('=', StringComparison.Ordinal)) ?? "up";
Action<ILoggingBuilder> log = logging => logging.AddSimpleConsole(console => console.SingleLine = true);
try
{
    switch (command)
    {
        case "up":
            Migrator.Up(connectionString, log);
            break;
        case "down" when args.Length > 1 && long.TryParse(args[1], out var version) && version >= 0:
            Migrator.Down(connectionString, version, log);
            break;
        default:
            Console.Error.WriteLine("Usage: Btc.Migrations [up | down <version>] (down 0 reverts every migration).");
            return 2;
    }
    return 0;
}
catch (Exception e) when (Unreachable(e) is { } reason)
{
    var host = new NpgsqlConnectionStringBuilder(connectionString);
    Console.Error.WriteLine($"Cannot reach the database at {host.Host}:{host.Port} ({reason}); is PostgreSQL running and ConnectionStrings__Btc right?");
    return 1;
}

static string? Unreachable(Exception? e)
{
    for (; e is not null; e = e.InnerException)
    {
        if (e is SocketException or TimeoutException || e is NpgsqlException { IsTransient: true })
            return e.Message;
        if (e is PostgresException { SqlState: "28P01" or "28000" or "3D000" } pg)
            return pg.MessageText;
    }
    return null;
}
