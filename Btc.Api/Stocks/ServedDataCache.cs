using Btc.Data.Freshness;
using Microsoft.Extensions.Caching.Memory;

namespace Btc.Api.Stocks;

/// <summary>
/// Serialized answers keyed on the <see cref="DataVersion"/>: an answer is kept until a commit changes what is
/// served, so a page's prices show on the next request after its commit, and a repeated request costs one small
/// query and a copy. Entries also expire after a few seconds, so that a window relative to now moves on while no
/// cycle runs.
/// </summary>
public sealed class ServedDataCache(IMemoryCache cache, DataVersion version)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    public async Task<byte[]?> GetOrCreateAsync(object key, Func<Task<byte[]?>> create, CancellationToken ct)
    {
        var versioned = (key, await version.CurrentAsync(ct));
        if (cache.TryGetValue(versioned, out byte[]? bytes))
            return bytes;
        // Read after the version: an answer may be newer than its key, never older.
        bytes = await create();
        if (bytes is not null)
            cache.Set(versioned, bytes, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = MaxAge, Size = bytes.Length });
        return bytes;
    }
}
