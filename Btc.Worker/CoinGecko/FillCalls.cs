using Btc.Data.Polling;
using Btc.Data.Budget;

namespace Btc.Worker.CoinGecko;

/// <summary>A gap-filling task's calls: the limits it asks the budget with, and how many attempts were granted.</summary>
public sealed class FillCalls(CallLimits limits)
{
    public CallLimits Limits { get; } = limits;

    public int Granted { get; private set; }

    public void Count() => Granted++;
}
