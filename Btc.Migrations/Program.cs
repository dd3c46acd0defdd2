using Btc.Hosting.Startup;
using Btc.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: dotnet run --project Btc.Migrations [-- up | down <version>]
var builder = Host.CreateApplicationBuilder(args);
var connectionString = builder.Configuration.GetConnectionString("Btc");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("No database given: set ConnectionStrings__Btc to a PostgreSQL connection string.");
    return 2;
}

Action<ILoggingBuilder> log = logging => logging.AddSimpleConsole(console => console.SingleLine = true);
Action? migrate = args.FirstOrDefault(a => !a.Contains('=', StringComparison.Ordinal)) switch
{
    null or "up" => () => Migrator.Up(connectionString, log),
    "down" when args.Length > 1 && long.TryParse(args[1], out var version) && version >= 0 => () =>
        Migrator.Down(connectionString, version, log),
    _ => null,
};
if (migrate is null)
{
    Console.Error.WriteLine("Usage: Btc.Migrations [up | down <version>] (down 0 reverts every migration).");
    return 2;
}

using var loggers = LoggerFactory.Create(log);
try
{
    await DatabaseWait.UntilReachableAsync(
        connectionString, DatabaseWait.Deadline(builder.Configuration), loggers.CreateLogger("Btc.Migrations"));
    migrate();
    return 0;
}
catch (StartupException e)
{
    // Flush the waiting lines first, so the sentence is the last thing printed.
    loggers.Dispose();
    Console.Error.WriteLine(e.Message);
    return 1;
}
