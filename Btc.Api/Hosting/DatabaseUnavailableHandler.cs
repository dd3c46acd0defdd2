using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Btc.Api.Hosting;

/// <summary>
/// A request that cannot get a database connection — every pooled one busy past the wait, or the database away
/// (restarting) — is a 503 with Retry-After, not a 500: the client should come back in a moment.
/// </summary>
public sealed class DatabaseUnavailableHandler : IExceptionHandler
{
    private const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (Reason(exception) is not { } reason)
            return false;
        await WriteBusyAsync(context, reason, exception);
        return true;
    }

    /// <summary>503 with Retry-After and a problem details body.</summary>
    public static Task WriteBusyAsync(HttpContext context, string reason, Exception? exception = null)
    {
        context.Response.Headers.RetryAfter =
            RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ProblemResponse.WriteAsync(
            context, StatusCodes.Status503ServiceUnavailable, "Database busy",
            $"{reason} Try again in {RetryAfterSeconds} s.", exception);
    }

    private static string? Reason(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException && e.InnerException is TimeoutException
                && e.Message.Contains("pool", StringComparison.OrdinalIgnoreCase))
                return "Every database connection is in use.";
            if (e is NpgsqlException { IsTransient: true }
                && (e.InnerException is SocketException or IOException || e is PostgresException))
                return "The database cannot be reached right now.";
        }
        return null;
    }
}
