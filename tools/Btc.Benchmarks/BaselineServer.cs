using System.Text;

namespace Btc.Benchmarks;

/// <summary>
/// The best this machine does for each payload: plain Kestrel serving (a) a constant short string and (b) a
/// 1,440-pair JSON array held in memory. Started as its own process by the benchmark (--baseline-server PORT).
/// </summary>
public static class BaselineServer
{
    public static void Run(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var text = "Hello, World!"u8.ToArray();
        var series = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 1440)
            .Select(i => FormattableString.Invariant($"[{1_795_500_000 + i * 60},{67_187.33 + i * 0.017}]"))) + "]");
        app.MapGet("/text", () => Results.Bytes(text, "text/plain"));
        app.MapGet("/series", () => Results.Bytes(series, "application/json"));
        // What Caddy's active health check asks in front of it (the proxy benchmark).
        app.MapGet("/health/ready", () => Results.Bytes(text, "text/plain"));
        app.Run();
    }
}
