namespace Btc.Worker.CoinGecko;

/// <summary>Counts the CoinGecko calls made inside a job's scope, retries included, for the cycle record.</summary>
public static class CallCounter
{
    private static readonly AsyncLocal<Scope?> Current = new();

    public static Scope Begin() => Current.Value = new Scope();

    internal static void Increment()
    {
        if (Current.Value is { } scope)
            Interlocked.Increment(ref scope.Calls);
    }

    public sealed class Scope : IDisposable
    {
        internal int Calls;
        public int Count => Volatile.Read(ref Calls);
        public void Dispose() => Current.Value = null;
    }
}
