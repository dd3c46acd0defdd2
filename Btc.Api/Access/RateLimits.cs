using System.Globalization;
using System.Threading.RateLimiting;
using Btc.Api.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Btc.Api.Access;

/// <summary>
/// A token bucket per client — its key, or its address when keys are off (behind a proxy, name it in
/// Api__TrustedProxies or every client is the proxy) — with ASP.NET Core's limiter. The limits hold per API process.
/// A refused request gets 429 problem details with Retry-After.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<AccessOptions>>((limiter, access) =>
        {
            var options = access.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                options.RequestsPerSecond == 0 || OpenPaths.Contains(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter("open")
                    : RateLimitPartition.GetTokenBucketLimiter(Client(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.Burst,
                        TokensPerPeriod = options.RequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    }));
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
        });
        return services;
    }

    /// <summary>Who a request counts against: its key, or its address.</summary>
    public static string Client(HttpContext context) =>
        ApiKeyCheck.KeyId(context) is { } keyId ? $"key:{keyId}" : $"address:{context.Connection.RemoteIpAddress}";
}
