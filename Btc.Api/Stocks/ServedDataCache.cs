using Btc.Data.Freshness;
using Microsoft.Extensions.Caching.Memory;

namespace Btc.Api.Stocks;

/// <summary>
/// Serialized answers keyed on the version of the served data: an answer is kept until a commit changes what is
/// served, so a page's prices show from its commit on, and a repeated request costs a dictionary lookup and a copy.
/// Entries also expire after a few seconds, so that a window relative to now moves on while no cycle runs and a
/// notice lost with a crashed writer costs no more. While notices do not arrive, nothing is cached.
/// </summary>
public sealed class ServedDataCache(IMemoryCache cache, DataChanges changes)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    public async Task<byte[]?> GetOrCreateAsync(object key, Func<Task<byte[]?>> create)
    {
        if (!changes.Listening)
            return await create();
        var versioned = (key, changes.Version);
        if (cache.TryGetValue(versioned, out byte[]? bytes))
            return bytes;
        // Created after the version was read: an answer may be newer than its key, never older.
        bytes = await create();
        if (bytes is not null)
            cache.Set(versioned, bytes, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = MaxAge, Size = bytes.Length });
        return bytes;
    }
}
