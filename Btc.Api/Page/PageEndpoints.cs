using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Net.Http.Headers;

namespace Btc.Api.Page;

/// <summary>
/// The web page at /app (deep links /app/coins/{id}?currency=…&amp;window=… answer the same HTML: the page reads its
/// address) and its files at /app/assets/…. No key and no rate limit (OpenPaths): the page asks for a key itself
/// when the API wants one.
/// </summary>
public static class PageEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";

    public static IServiceCollection AddPage(this IServiceCollection services)
    {
        services.AddSingleton(_ => PageFiles.Load(Path.Combine(AppContext.BaseDirectory, "Page", "files")));
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return services;
    }

    /// <summary>
    /// A browser asking / for HTML goes to the page; API clients keep the JSON list. Compression for the page's
    /// files only: the API's answers keep their shape for existing clients and their streams stay unbuffered.
    /// </summary>
    public static IApplicationBuilder UsePage(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path == "/" && HttpMethods.IsGet(context.Request.Method) && WantsHtml(context.Request))
            {
                context.Response.Redirect("/app");
                return Task.CompletedTask;
            }
            return next(context);
        });
        return app.UseWhen(context => context.Request.Path.StartsWithSegments("/app"),
            page => page.UseResponseCompression());
    }

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
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(files.Html, "text/html; charset=utf-8");
    }

    private static IResult Asset(string path, HttpContext http, PageFiles files)
    {
        if (files.Find(path) is not { } asset)
            return TypedResults.NotFound();
        var etag = new EntityTagHeaderValue($"\"{asset.Hash}\"");
        // Only the address naming this content may be kept for good; an old or missing hash is asked again.
        http.Response.Headers.CacheControl = http.Request.Query["v"] == asset.Hash ? Immutable : "no-cache";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(asset.Body, asset.ContentType, entityTag: etag);
    }
}
