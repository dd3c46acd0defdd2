using Microsoft.Net.Http.Headers;

namespace Btc.Api.Page;

/// <summary>
/// The web page at /app (deep links /app/coins/{id}?currency=…&amp;window=… answer the same HTML: the page
/// reads its address) and its files at /app/assets/…. No key and no rate limit (OpenPaths): the page asks for a key
/// itself when the API wants one.
/// </summary>
public static class PageEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";

    public static IServiceCollection AddPage(this IServiceCollection services) =>
        services.AddSingleton(_ => PageFiles.Load(Path.Combine(AppContext.BaseDirectory, "Page", "files")));

    /// <summary>A browser asking / for HTML goes to the page; API clients keep the JSON list.</summary>
    public static IApplicationBuilder UsePage(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path == "/" && HttpMethods.IsGet(context.Request.Method) && WantsHtml(context.Request))
            {
                context.Response.Redirect("/app");
                return Task.CompletedTask;
            }
            return next(context);
        });

    public static IEndpointRouteBuilder MapPage(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup("/app").ExcludeFromDescription();
        page.MapGet("/", Html);
        page.MapGet("/{**view}", Html);
        page.MapGet("/assets/{**path}", Asset);
        return app;
    }

    private static bool WantsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private static IResult Html(HttpContext http, PageFiles files)
    {
        // Always asked again: it names the files' current versions.
        http.Response.Headers.CacheControl = "no-cache";
        return Send(http, files.Html);
    }

    private static IResult Asset(string path, HttpContext http, PageFiles files)
    {
        if (files.Find(path) is not { } asset)
            return TypedResults.NotFound();
        // Only the address naming this content may be kept for good; an old or missing hash is asked again.
        http.Response.Headers.CacheControl = http.Request.Query["v"] == asset.Hash ? Immutable : "no-cache";
        return Send(http, asset);
    }

    /// <summary>
    /// The asset compressed as the request accepts (only the page is compressed: the API's answers keep their shape
    /// for existing clients and their streams stay unbuffered), with an ETag per form so that a cache keeps them apart.
    /// </summary>
    private static IResult Send(HttpContext http, PageAsset asset)
    {
        var (body, encoding) = asset.For(http.Request);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (encoding is not null)
            http.Response.Headers.ContentEncoding = encoding;
        var etag = new EntityTagHeaderValue($"\"{asset.Hash}{(encoding is null ? "" : "-" + encoding)}\"");
        return TypedResults.Bytes(body, asset.ContentType, entityTag: etag);
    }
}
