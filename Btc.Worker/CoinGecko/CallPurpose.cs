using Btc.Data.Budget;

namespace Btc.Worker.CoinGecko;

/// <summary>
/// What a CoinGecko call is for: the cycle (and page) each attempt is charged to, the limits it asks the shared budget
/// with, and whether it may wait for the budget. Gap filling asks with limits that leave the cycles their calls and
/// never waits: what the cycles leave it may come later or not at all.
/// </summary>
public sealed record CallPurpose(CallSource? ChargedTo, CallLimits? FillLimits, string Metric)
{
    public static CallPurpose CoinList(int cycleId) => new(new CallSource(cycleId, null), null, "poll");

    public static CallPurpose Page(int cycleId, int pageNo) => new(new CallSource(cycleId, pageNo), null, "poll");

    /// <summary>A chore no cycle pays for (the currency list).</summary>
    public static CallPurpose Chore() => new(null, null, "poll");

    public static CallPurpose Fill(CallLimits limits) => new(null, limits, "fill");

    public bool MayWait => FillLimits is null;
}
