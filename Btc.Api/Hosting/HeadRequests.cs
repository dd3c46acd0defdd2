namespace Btc.Api.Hosting;

/// <summary>
/// HEAD answered as GET without the body, on every GET route: monitors and link checkers send HEAD, and minimal
/// APIs map GET only. The headers, Content-Length included, are those the GET would have.
/// </summary>
public static class HeadRequests
{
    private const string HeadItem = "btc.head";

    /// <summary>Whether the request came as HEAD: a stream then sends its headers and ends.</summary>
    public static bool IsHead(HttpContext context) => context.Items.ContainsKey(HeadItem);

    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        context.Request.Method = HttpMethods.Get;
        context.Items[HeadItem] = true;
        var body = context.Response.Body;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
            context.Request.Method = HttpMethods.Head;
        }
    });
}
