using System.Collections.Concurrent;
using System.Globalization;

namespace Btc.Benchmarks;

/// <summary>
/// The live benchmark's subscribers, in a process of their own (so that the API's CPU and memory are its own):
/// per-coin streams over the coins, and market streams, opened gradually; each event's arrival is written down.
/// Writes "{file}.open" once every stream is open, and the events to the file once "{file}.stop" appears.
/// </summary>
public static class LiveClients
{
    // Connections opened a second: the listen backlog is 4,096.
    private const int OpenPerSecond = 1000;

    public static async Task<int> RunAsync(int port, string[] coins, int perCoin, int market, string file)
    {
        var arrivals = new ConcurrentQueue<string>();
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false };
        using var http = new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan,
        };
        using var stop = new CancellationTokenSource();
        var opened = 0;
        var streams = new List<Task>();
        for (var i = 0; i < perCoin + market; i++)
        {
            var (key, path) = i < perCoin
                ? (coins[i % coins.Length], $"/stock/{Uri.EscapeDataString(coins[i % coins.Length])}/usd/live")
                : ("market", "/live?currency=usd");
            streams.Add(ReadAsync(http, path, key, arrivals, () => Interlocked.Increment(ref opened), stop.Token));
            if (i % (OpenPerSecond / 10) == 0)
                await Task.Delay(100);
        }
        while (Volatile.Read(ref opened) < perCoin + market)
            await Task.Delay(100);
        await File.WriteAllTextAsync(file + ".open", "");
        while (!File.Exists(file + ".stop"))
            await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(streams);
        await File.WriteAllLinesAsync(file, arrivals);
        return 0;
    }

    /// <summary>One stream: each event as "key,id,arrival in unix milliseconds".</summary>
    private static async Task ReadAsync(HttpClient http, string path, string key, ConcurrentQueue<string> arrivals,
        Action open, CancellationToken stop)
    {
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, stop);
            response.EnsureSuccessStatusCode();
            using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            var first = true;
            while (await lines.ReadLineAsync(stop) is { } line)
            {
                if (first)
                {
                    open();
                    first = false;
                }
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                    arrivals.Enqueue(string.Create(CultureInfo.InvariantCulture,
                        $"{key},{line[4..]},{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}"));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Console.Error.WriteLine($"{path}: {e.Message}");
            open();
        }
    }
}
