using System.ComponentModel.DataAnnotations;
using Btc.Hosting.Startup;
using Microsoft.Extensions.Options;

namespace Btc.Api.Hosting;

/// <summary>
/// A replica leaving a balancer: on SIGTERM /health/ready answers 503 at once while the API keeps serving for
/// <see cref="DrainOptions.DrainSeconds"/>, so a balancer that checks readiness stops sending before anything is
/// refused; then the live streams get their `end` event and Kestrel stops, finishing the requests in flight. Meanwhile
/// every HTTP/1.1 response closes its connection, so a proxy holds no idle connection to a server about to stop: its
/// next request dials, is refused, and is retried on another replica whatever its method.
/// </summary>
public sealed class Drain(IOptions<DrainOptions> options, ILogger<Drain> log) : IHostedLifecycleService
{
    private readonly CancellationTokenSource _streamsEnd = new();
    private volatile bool _draining;

    /// <summary>Whether the API is leaving: readiness fails, responses close their connections.</summary>
    public bool Draining => _draining;

    /// <summary>Cancelled when the drain is over and the live streams are to end.</summary>
    public CancellationToken StreamsEnd => _streamsEnd.Token;

    /// <summary>
    /// Runs before the hosted services stop (the live feed, Kestrel), whether SIGTERM or the host's own stop began it;
    /// the host's shutdown timeout (<see cref="DrainSetup"/>) counts the drain in.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var delay = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        if (delay > TimeSpan.Zero)
        {
            log.LogInformation("Stopping: /health/ready fails, serving on for {Seconds} s", delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await _streamsEnd.CancelAsync();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Section "Api" (env Api__DrainSeconds).</summary>
public sealed class DrainOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Seconds between SIGTERM and the stop: longer than the balancer needs to see /health/ready fail (two checks).
    /// </summary>
    [Range(0, 120, ErrorMessage = "Api__DrainSeconds must be between 0 and 120.")]
    public int DrainSeconds { get; set; } = 5;
}

public static class DrainSetup
{
    // ASP.NET Core's default: what Kestrel and the hosted services get once the drain is over.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddDrain(this IServiceCollection services)
    {
        services.BindValidated<DrainOptions>(DrainOptions.Section);
        services.AddSingleton<Drain>();
        services.AddHostedService(provider => provider.GetRequiredService<Drain>());
        services.AddOptions<HostOptions>().Configure<IOptions<DrainOptions>>((host, drain) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(drain.Value.DrainSeconds) + StopTimeout);
        return services;
    }

    /// <summary>While draining, HTTP/1.1 responses say Connection: close (HTTP/2 has no such header).</summary>
    public static IApplicationBuilder UseDrain(this IApplicationBuilder app)
    {
        var drain = app.ApplicationServices.GetRequiredService<Drain>();
        return app.Use((context, next) =>
        {
            if (drain.Draining && HttpProtocol.IsHttp11(context.Request.Protocol))
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers.Connection = "close";
                    return Task.CompletedTask;
                });
            }
            return next(context);
        });
    }
}
