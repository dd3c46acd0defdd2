using Btc.Data.Polling;
using Btc.Data.Budget;

namespace Btc.Worker.CoinGecko;

/// <summary>
/// The cycle (and page) on whose behalf CoinGecko calls are made in a job's scope: each attempt is counted against
/// it when the budget grants it, so an attempt that fails, times out or dies with its worker counts as CoinGecko
/// counts it.
/// </summary>
public static class CallAttribution
{
    private static readonly AsyncLocal<CallSource?> Scope = new();
    private static readonly AsyncLocal<FillCalls?> FillScope = new();

    public static CallSource? Current => Scope.Value;

    /// <summary>Set while gap filling calls: its limits leave the cycles their calls, and it never waits for the budget.</summary>
    public static FillCalls? Filling => FillScope.Value;

    public static IDisposable For(int cycleId, int? pageNo = null)
    {
        Scope.Value = new CallSource(cycleId, pageNo);
        return new End();
    }

    public static IDisposable ForFill(FillCalls fill)
    {
        FillScope.Value = fill;
        return new End();
    }

    private sealed class End : IDisposable
    {
        public void Dispose() => (Scope.Value, FillScope.Value) = (null, null);
    }
}
