using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Btc.Api.Hosting;

/// <summary>
/// A request that cannot get a database connection — every pooled one busy past the wait, or the database away
/// (restarting) — is a 503 with Retry-After, not a 500: the client should come back in a moment.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    private const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct) =>
        Reason(exception) is { } reason && await WriteBusyAsync(context, problems, reason, exception);

    /// <summary>503, Retry-After and a problem details body (plain text when the client accepts no JSON).</summary>
    public static async Task<bool> WriteBusyAsync(HttpContext context, IProblemDetailsService problems, string reason, Exception? exception = null)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var detail = $"{reason} Try again in {RetryAfterSeconds} s.";
        if (!await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "Database busy", Detail = detail },
            }))
            await context.Response.WriteAsync(detail);
        return true;
    }

    private static string? Reason(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException && e.InnerException is TimeoutException && e.Message.Contains("pool", StringComparison.OrdinalIgnoreCase))
                return "Every database connection is in use.";
            if (e is NpgsqlException { IsTransient: true } && (e.InnerException is SocketException or IOException || e is PostgresException))
                return "The database cannot be reached right now.";
        }
        return null;
    }
}
