namespace Btc.Api.Access;

/// <summary>
/// What needs no key and has no rate limit: health and metrics (probes and scrapers must always get through), the
/// API's documentation (it tells nothing a key protects) and the dashboard (it has its own password, and its pages
/// fetch many files), and the web page (it holds no data: it asks the API, with the key the user gives it).
/// </summary>
public static class OpenPaths
{
    private static readonly PathString[] Open = ["/health", "/metrics", "/openapi", "/docs", "/hangfire", "/app"];

    public static bool Contains(PathString path) =>
        Open.Any(open => path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase));
}
