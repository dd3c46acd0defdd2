namespace Btc.Data.Backfill;

/// <summary>
/// The filling of the gaps not finished yet (all zero when there are none), and the calls spent on them so far.
/// </summary>
public sealed record BackfillProgress(int Gaps, int Tasks, int Done, int Calls, int Points, DateTime? Since)
{
    public double Percent => Tasks == 0 ? 100 : 100.0 * Done / Tasks;

    /// <summary>
    /// The time left at the pace kept since the oldest open gap was found; null before a task is done. The pace is
    /// taken over a minute at least: filling spends a minute's spare calls in a burst, and its first seconds would
    /// promise the whole fill many times too soon.
    /// </summary>
    public TimeSpan? Left(DateTime now) => Done == 0 || Since is not { } since
        ? null
        : (now - since < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : now - since) / Done * (Tasks - Done);

    /// <summary>"62% (1,240 of 2,000 coin-currencies, 1,251 calls, 310,000 points), ~14 min left".</summary>
    public string Describe(DateTime now) =>
        $"{Percent:0}% ({Done:N0} of {Tasks:N0} coin-currencies, {Calls:N0} calls, {Points:N0} points), " +
        $"~{LeftText(now)} left";

    /// <summary>"62%, ~14 min left".</summary>
    public string Brief(DateTime now) => $"{Percent:0}%, ~{LeftText(now)} left";

    private string LeftText(DateTime now) => Left(now) switch
    {
        null => "?",
        { TotalMinutes: < 1 } => "1 min",
        { TotalHours: < 2 } l => $"{Math.Ceiling(l.TotalMinutes):0} min",
        var l => $"{l.Value.TotalHours:0.#} h",
    };
}
