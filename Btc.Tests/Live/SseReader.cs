using System.Collections.Concurrent;
using System.Text;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>One Server-Sent Event as a client sees it.</summary>
public sealed record SseEvent(string? Id, string? Type, string Data, int? Retry);

/// <summary>
/// Reads a Server-Sent Events body as it arrives: the events, the comments, the retry hints, and whether it ended.
/// </summary>
public sealed class SseReader : IAsyncDisposable
{
    private readonly ConcurrentQueue<SseEvent> _events = new();
    private readonly ConcurrentQueue<string> _comments = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _reading;

    private SseReader(HttpResponseMessage response)
    {
        _response = response;
        _reading = ReadAsync();
    }

    public IReadOnlyList<SseEvent> Events => _events.ToArray();
    public IReadOnlyList<string> Comments => _comments.ToArray();
    public int? Retry { get; private set; }
    public bool Ended { get; private set; }
    public HttpResponseMessage Response => _response;

    /// <summary>
    /// Opens <paramref name="path"/> and waits for the stream's first comment, said once the server has subscribed
    /// it to new pages.
    /// </summary>
    public static async Task<SseReader> OpenAsync(
        HttpClient http, string path, string? lastEventId = null, string? apiKey = null, string? address = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        if (apiKey is not null)
            request.Headers.Add("X-Api-Key", apiKey);
        if (address is not null)
            request.Headers.Add(ApiFactory.RemoteAddressHeader, address);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new SseReader(response);
        await Eventually.Until(() => Task.FromResult(reader._comments.Count), n => n > 0 || reader.Ended,
            TimeSpan.FromSeconds(30), $"the stream {path} to open");
        return reader;
    }

    /// <summary>Waits until at least <paramref name="count"/> events arrived; returns them all.</summary>
    public Task<IReadOnlyList<SseEvent>> WaitForAsync(int count, string what, TimeSpan? timeout = null) =>
        Eventually.Until(() => Task.FromResult(Events), e => e.Count >= count,
            timeout ?? TimeSpan.FromSeconds(60), what);

    public Task WaitForEndAsync(TimeSpan timeout, string what) =>
        Eventually.Until(() => Task.FromResult(Ended), ended => ended, timeout, what);

    private async Task ReadAsync()
    {
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            using var lines = new StreamReader(body, Encoding.UTF8);
            var (id, type, data, retry) = ((string?)null, (string?)null, new StringBuilder(), (int?)null);
            while (await lines.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                        _events.Enqueue(new SseEvent(id, type, data.ToString(), retry));
                    (id, type, retry) = (null, null, null);
                    data.Clear();
                    continue;
                }
                if (line.StartsWith(':'))
                {
                    _comments.Enqueue(line[1..].Trim());
                    continue;
                }
                var colon = line.IndexOf(':');
                var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
                switch (field)
                {
                    case "id": id = value; break;
                    case "event": type = value; break;
                    case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
                    case "retry": retry = int.Parse(value); Retry = retry; break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            Ended = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
