using Microsoft.Extensions.Caching.Memory;

namespace Btc.Api.Stocks;

/// <summary>
/// Serialized answers kept until the next minute starts (or <c>maxAge</c>, when sooner): the data changes once a
/// minute, so every request after the first costs a dictionary lookup and a copy.
/// </summary>
public sealed class MinuteCache(IMemoryCache cache, TimeProvider clock)
{
    public async Task<byte[]?> GetOrCreateAsync(object key, Func<Task<byte[]?>> create, TimeSpan? maxAge = null)
    {
        if (cache.TryGetValue(key, out byte[]? bytes))
            return bytes;
        bytes = await create();
        if (bytes is not null)
        {
            var now = clock.GetUtcNow();
            var nextMinute = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
            var expires = maxAge is { } age && now + age < nextMinute ? now + age : nextMinute;
            cache.Set(key, bytes, new MemoryCacheEntryOptions { AbsoluteExpiration = expires, Size = bytes.Length });
        }
        return bytes;
    }
}
