namespace Btc.Api.Access;

/// <summary>
/// What needs no key and has no rate limit: health and metrics (probes and scrapers must always get through), the
/// API's documentation (it tells nothing a key protects) and the dashboard (it has its own password, and its pages
/// fetch many files).
/// </summary>
public static class OpenPaths
{
    private static readonly PathString[] Open = ["/health", "/metrics", "/openapi", "/docs", "/hangfire"];

    public static bool Contains(PathString path) =>
        Open.Any(open => path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase));
}
