using System.Diagnostics;

namespace Btc.Benchmarks;

/// <summary>A closed-loop HTTP load: C clients each sending the next request when the last is answered.</summary>
public static class LoadGenerator
{
    public sealed record Result(double RequestsPerSecond, double P50Ms, double P99Ms, int Errors);

    public static Task<Result> RunAsync(string url, int concurrency, TimeSpan duration) =>
        RunAsync(() => url, concurrency, duration);

    /// <summary>Each request to the URL <paramref name="next"/> gives, warm-up included.</summary>
    public static async Task<Result> RunAsync(Func<string> next, int concurrency, TimeSpan duration)
    {
        using var http = new HttpClient(
            new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false });
        await RunLoopAsync(http, next, concurrency, TimeSpan.FromSeconds(1)); // warm-up: connections, JIT, caches
        var (latencies, errors, elapsed) = await RunLoopAsync(http, next, concurrency, duration);
        latencies.Sort();
        return new Result(latencies.Count / elapsed.TotalSeconds,
            latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)], errors);
    }

    private static async Task<(List<double> Latencies, int Errors, TimeSpan Elapsed)> RunLoopAsync(
        HttpClient http, Func<string> next, int concurrency, TimeSpan duration)
    {
        var latencies = new List<double>[concurrency];
        var errors = 0;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async client =>
        {
            var mine = latencies[client] = [];
            var buffer = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < until)
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(next(), HttpCompletionOption.ResponseHeadersRead);
                await using var body = await response.Content.ReadAsStreamAsync();
                while (await body.ReadAsync(buffer) > 0)
                {
                }
                if (!response.IsSuccessStatusCode)
                    Interlocked.Increment(ref errors);
                mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }
        }));
        return (latencies.SelectMany(l => l).ToList(), errors, Stopwatch.GetElapsedTime(started));
    }
}
