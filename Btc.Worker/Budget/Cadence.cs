namespace Btc.Worker.Budget;

/// <summary>How often the month's calls allow the schedule to poll: pure arithmetic, tested on its own.</summary>
public static class Cadence
{
    /// <summary>
    /// The smallest N such that polling every Nth time the schedule fires, <paramref name="cyclesLeft"/> times to the
    /// month's end, spends at most <paramref name="remaining"/> calls of <paramref name="callsPerCycle"/> each; null
    /// when not even one more cycle fits.
    /// </summary>
    public static int? Every(int callsPerCycle, int cyclesLeft, long remaining)
    {
        if (cyclesLeft <= 0)
            return 1;
        var affordable = remaining / callsPerCycle;
        if (affordable <= 0)
            return null;
        return (int)Math.Max(1, (cyclesLeft + affordable - 1) / affordable);
    }

    /// <summary>Calls for the cycles left when polling every <paramref name="every"/>th time.</summary>
    public static long Need(int callsPerCycle, int cyclesLeft, int? every) =>
        every is { } n ? (long)callsPerCycle * ((cyclesLeft + n - 1) / n) : 0;

    /// <summary>One coin-list call and one call per page.</summary>
    public static int CallsPerCycle(int coins, int pageSize) => 1 + (coins + pageSize - 1) / pageSize;
}
