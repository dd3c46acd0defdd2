using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>A client as EventSource is one: when its stream ends, it reconnects with the last event's id.</summary>
public sealed class ResumingStream(HttpClient http, string path) : IAsyncDisposable
{
    private readonly List<SseEvent> _earlier = [];
    private SseReader? _current;

    public async Task OpenAsync() => _current = await SseReader.OpenAsync(http, path);

    /// <summary>Waits for <paramref name="count"/> price events across reconnects; returns them.</summary>
    public Task<IReadOnlyList<SseEvent>> WaitForAsync(int count) => Eventually.Until(async () =>
    {
        if (_current is null || _current.Ended)
        {
            if (_current is not null)
            {
                _earlier.AddRange(_current.Events);
                await _current.DisposeAsync();
            }
            var last = _earlier.LastOrDefault(e => e.Type is null)?.Id;
            try
            {
                _current = await SseReader.OpenAsync(http, path, last);
            }
            catch (HttpRequestException)
            {
                _current = null;
            }
        }
        return (IReadOnlyList<SseEvent>)_earlier.Concat(_current?.Events ?? []).Where(e => e.Type is null).ToList();
    }, events => events.Count >= count, TimeSpan.FromSeconds(60), $"{count} events of {path}");

    public async ValueTask DisposeAsync()
    {
        if (_current is not null)
            await _current.DisposeAsync();
    }
}
