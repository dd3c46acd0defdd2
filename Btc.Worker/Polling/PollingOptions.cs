using System.ComponentModel.DataAnnotations;

namespace Btc.Worker.Polling;

public enum TrackingMode
{
    /// <summary>
    /// The first and last <see cref="PollingOptions.Edge"/> ids in code-point order (the original's choice).
    /// </summary>
    Edges,
    /// <summary>Every coin CoinGecko lists.</summary>
    All,
    /// <summary>The ids in <see cref="PollingOptions.Coins"/>.</summary>
    List,
}

public enum MonthlyBudgetMode
{
    /// <summary>Poll every Nth time the schedule fires, N the smallest that lasts the month.</summary>
    Stretch,
    /// <summary>Poll on schedule; calls stop when the month's budget is spent, until the month turns.</summary>
    Ignore,
}

/// <summary>Section "Polling" (env Polling__*).</summary>
public sealed class PollingOptions : IValidatableObject
{
    public const string Section = "Polling";

    /// <summary>When the poll cycle runs (UTC), as a Hangfire cron expression.</summary>
    [Required] public string Cron { get; set; } = "* * * * *";

    public TrackingMode Mode { get; set; } = TrackingMode.Edges;

    [Range(0, 1_000_000)] public int Edge { get; set; } = 500;

    /// <summary>Ids for <see cref="TrackingMode.List"/>, comma-separated.</summary>
    public string? Coins { get; set; }

    /// <summary>Ids per /simple/price call: longer lists hit 414 URI Too Long at CoinGecko.</summary>
    [Range(1, 250)] public int PageSize { get; set; } = 100;

    /// <summary>
    /// Poll at start-up when no cycle ran in the last two minutes, rather than wait for the schedule.
    /// </summary>
    public bool PollOnStart { get; set; } = true;

    /// <summary>What to do when the schedule would spend the month's calls before the month ends.</summary>
    public MonthlyBudgetMode MonthlyBudget { get; set; } = MonthlyBudgetMode.Stretch;

    public IReadOnlyList<string> CoinList =>
        (Coins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == TrackingMode.List && CoinList.Count == 0)
            yield return new ValidationResult("Polling__Mode=List needs the ids in Polling__Coins (comma-separated).");
    }
}
