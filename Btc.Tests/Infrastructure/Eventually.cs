namespace Btc.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline instead of sleeping for a guessed time.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; last seen: {value}");
            await Task.Delay(100);
        }
    }
}
