namespace Btc.Data.History.Series;

/// <param name="Pieces">Quarters and hours compacted in this run.</param>
/// <param name="CoinHoursRebuilt">Single coins' hours rebuilt because samples landed in them after compaction.</param>
/// <param name="PiecesUntil">Where the compacted part of every series ends now.</param>
/// <param name="CaughtUp">Whether everything compactable was compacted (false when the run's time ran out).</param>
public sealed record CompactionResult(int Pieces, int CoinHoursRebuilt, DateTime PiecesUntil, bool CaughtUp);
