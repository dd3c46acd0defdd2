using Microsoft.Extensions.Configuration;

namespace Btc.Hosting.Startup;

/// <summary>The database settings every service reads.</summary>
public static class ConnectionStrings
{
    /// <summary>ConnectionStrings:Btc (env: ConnectionStrings__Btc), or a start-up failure that says so.</summary>
    public static string Primary(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString("Btc");
        return string.IsNullOrWhiteSpace(value)
            ? throw new StartupException(
                "No database given: set ConnectionStrings__Btc to a PostgreSQL connection string.")
            : value;
    }

    /// <summary>
    /// ConnectionStrings:BtcReadOnly (env: ConnectionStrings__BtcReadOnly): a streaming replica the API may read from;
    /// null when unset.
    /// </summary>
    public static string? ReadOnly(IConfiguration configuration) =>
        configuration.GetConnectionString("BtcReadOnly") is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value)
            ? value : null;
}
