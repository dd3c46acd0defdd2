using Btc.Api.Hosting;
using Btc.Api.Warmup;
using Microsoft.Extensions.Options;

namespace Btc.Api.Access;

/// <summary>With Api__RequireKey=true, a request without an active key in X-Api-Key gets 401 problem details.</summary>
public static class ApiKeyCheck
{
    public const string Header = "X-Api-Key";
    private const string KeyIdItem = "btc.api-key-id";

    /// <summary>The id of the key the request was let in with, if any (the rate limit's partition).</summary>
    public static int? KeyId(HttpContext context) => context.Items[KeyIdItem] as int?;

    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IOptions<AccessOptions>>().Value.RequireKey)
            return app;
        return app.Use(async (context, next) =>
        {
            if (OpenPaths.Contains(context.Request.Path))
            {
                await next(context);
                return;
            }
            var presented = context.Request.Headers[Header].ToString();
            if (context.RequestServices.GetRequiredService<WarmupKey>().Admits(context, presented))
            {
                await next(context);
                return;
            }
            var keyId = presented.Length == 0 ? null
                : await context.RequestServices.GetRequiredService<ApiKeyCache>().FindAsync(
                presented, context.RequestAborted);
            if (keyId is null)
            {
                await ProblemResponse.WriteAsync(context, StatusCodes.Status401Unauthorized,
                    presented.Length == 0 ? "API key required" : "Unknown or revoked API key",
                    $"Send an active key in the {Header} header; an operator creates one with 'Btc.Api keys create " +
                    "NAME'.");
                return;
            }
            context.Items[KeyIdItem] = keyId;
            await next(context);
        });
    }
}
