namespace Btc.Data.Polling;

/// <summary>The record a poll cycle leaves behind.</summary>
public sealed record PollCycle(
    int CycleId,
    DateTime ScheduledFor,
    DateTime StartedAt,
    DateTime? FinishedAt,
    int CoinsRequested,
    int Pages,
    int PagesDone,
    int RowsStored,
    int Skipped,
    int Stale,
    int CallsUsed,
    int Errors,
    string? LastError);
