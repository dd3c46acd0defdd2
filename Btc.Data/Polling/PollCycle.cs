namespace Btc.Data.Polling;

/// <summary>
/// The record a poll cycle leaves behind. Outcome: running; complete (every page stored); incomplete (pages
/// superseded by the next cycle before they could store: their prices were not had for this minute); failed (the
/// coin list could not be read, or the cycle started too late: <see cref="LastError"/> says which).
/// </summary>
public sealed record PollCycle(
    int CycleId,
    DateTime ScheduledFor,
    DateTime StartedAt,
    DateTime? FinishedAt,
    int CoinsRequested,
    int Pages,
    int PagesDone,
    int PagesSuperseded,
    int RowsStored,
    int Skipped,
    int Stale,
    int Refused,
    string? Refusal,
    int CallsUsed,
    int Errors,
    string? LastError,
    string Outcome);
