using Btc.Hosting.Telemetry;
using Btc.Data.Freshness;
using Microsoft.Extensions.Caching.Memory;

namespace Btc.Api.Stocks;

/// <summary>
/// Serialized answers keyed on the version of the served data: an answer is kept until a commit changes what is
/// served, so a page's prices show from its commit on, and a repeated request costs a dictionary lookup and a copy.
/// Entries also expire after a few seconds, so that a window relative to now moves on while no cycle runs and a
/// notice lost with a crashed writer costs no more. While notices do not arrive, nothing is cached.
/// </summary>
public sealed class ServedDataCache(IMemoryCache cache, DataChanges changes, BtcMetrics metrics)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    public Task<byte[]?> GetOrCreateAsync(object key, Func<Task<byte[]?>> create) =>
        GetOrCreateAsync(key, create, bytes => bytes.Length);

    /// <summary>An answer with more than its body (a header's value), <paramref name="size"/> in bytes.</summary>
    public async Task<T?> GetOrCreateAsync<T>(object key, Func<Task<T?>> create, Func<T, long> size) where T : class
    {
        if (!changes.Listening)
            return await create();
        var versioned = (key, changes.Version);
        if (cache.TryGetValue(versioned, out T? answer))
        {
            metrics.ApiCache.Add(1, Hit);
            return answer;
        }
        metrics.ApiCache.Add(1, Miss);
        // Created after the version was read: an answer may be newer than its key, never older.
        answer = await create();
        if (answer is not null)
            cache.Set(
                versioned, answer,
                new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = MaxAge, Size = size(answer) });
        return answer;
    }
}
