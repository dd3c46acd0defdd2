using System.ComponentModel.DataAnnotations;
using Btc.Hosting.Startup;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;

namespace Btc.Api.Hosting;

/// <summary>
/// Every request ends within <see cref="RequestDeadlineOptions.RequestTimeoutSeconds"/>: a request may wait for a
/// pooled connection more than once (the coin's key, the currencies, the series), each wait bounded by the pool's own
/// Timeout, so only a deadline on the whole request bounds what a client waits when the database is saturated.
/// Past it, the database work is cancelled and the client gets 503 with Retry-After, like any other busy moment.
/// </summary>
public static class RequestDeadline
{
    public static IServiceCollection AddRequestDeadline(this IServiceCollection services)
    {
        services.BindValidated<RequestDeadlineOptions>(RequestDeadlineOptions.Section);
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<RequestDeadlineOptions>>((timeouts, deadline) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(deadline.Value.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = WriteAsync,
            });
        return services;
    }

    private static Task WriteAsync(HttpContext context) =>
        DatabaseUnavailableHandler.WriteBusyAsync(context, "The answer took too long: the database is busy.");
}

/// <summary>Section "Api" (env Api__RequestTimeoutSeconds).</summary>
public sealed class RequestDeadlineOptions
{
    public const string Section = "Api";

    [Range(1, 300, ErrorMessage = "Api__RequestTimeoutSeconds must be between 1 and 300.")]
    public int RequestTimeoutSeconds { get; set; } = 20;
}
