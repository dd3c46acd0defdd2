using System.Collections.Concurrent;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Scaling;

/// <summary>One request's fate: when it was sent, and its status (0: no response at all).</summary>
public sealed record LoadResult(DateTime SentAt, int Status);

/// <summary>A few clients sending GETs back to back through the proxy until stopped, every outcome kept.</summary>
public sealed class SteadyLoad : IAsyncDisposable
{
    private readonly ConcurrentQueue<LoadResult> _results = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _clients;

    private SteadyLoad(HttpClient http, string path, int clients) =>
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(() => SendAsync(http, path))).ToArray();

    public IReadOnlyList<LoadResult> Results => _results.ToArray();

    public static SteadyLoad Start(HttpClient http, string path, int clients) => new(http, path, clients);

    /// <summary>Waits until <paramref name="count"/> requests sent after <paramref name="since"/> have ended.</summary>
    public Task WaitForAsync(int count, DateTime since, string what) =>
        Eventually.Until(() => Task.FromResult(Results.Count(r => r.SentAt >= since)), n => n >= count,
            TimeSpan.FromSeconds(60), what);

    private async Task SendAsync(HttpClient http, string path)
    {
        while (!_stop.IsCancellationRequested)
        {
            var sentAt = DateTime.UtcNow;
            try
            {
                using var response = await http.GetAsync(path, _stop.Token);
                _results.Enqueue(new LoadResult(sentAt, (int)response.StatusCode));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _results.Enqueue(new LoadResult(sentAt, 0));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        _stop.Dispose();
    }
}
