using System.Globalization;
using System.Threading.RateLimiting;
using Btc.Api.Hosting;
using Btc.Api.Replicas;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Btc.Api.Access;

/// <summary>
/// A token bucket per client — its key, or its address when keys are off (behind a proxy, name it in
/// Api__TrustedProxies or every client is the proxy) — with ASP.NET Core's limiter. Each of the N live replicas
/// (<see cref="ReplicaView"/>) gives a client 1/N of its rate and burst: with a balancer spreading its requests, the
/// client's total is the limit whatever N, and no request waits on the database for it. When N changes, the client's
/// bucket is made anew for the new share (N is part of its partition). A refused request gets 429 problem details
/// with Retry-After.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<AccessOptions>, ReplicaView>(
            (limiter, access, replicas) => Configure(limiter, access.Value, replicas));
        return services;
    }

    private static void Configure(RateLimiterOptions limiter, AccessOptions options, ReplicaView replicas)
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            options.RequestsPerSecond == 0 || OpenPaths.Contains(context.Request.Path)
                ? RateLimitPartition.GetNoLimiter("open")
                : Share(Client(context), options, replicas.Count));
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = async (rejected, ct) =>
        {
            var context = rejected.HttpContext;
            var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter
                : TimeSpan.FromSeconds(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
                $"This client may make {options.RequestsPerSecond} requests a second ({options.Burst} at once); " +
                $"try again in {seconds} s.");
        };
    }

    /// <summary>
    /// A client's bucket on one of <paramref name="replicas"/>: the whole rate over N seconds (the limiter fills it
    /// evenly, so 20 a second over 3 replicas is 6.7 a second each), a burst of 1/N (at least one request).
    /// </summary>
    private static RateLimitPartition<string> Share(string client, AccessOptions options, int replicas) =>
        RateLimitPartition.GetTokenBucketLimiter($"{client} 1/{replicas}", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Round((double)options.Burst / replicas)),
            TokensPerPeriod = options.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(replicas),
            QueueLimit = 0,
        });

    /// <summary>Who a request counts against: its key, or its address.</summary>
    public static string Client(HttpContext context) =>
        ApiKeyCheck.KeyId(context) is { } keyId ? $"key:{keyId}" : $"address:{context.Connection.RemoteIpAddress}";
}
