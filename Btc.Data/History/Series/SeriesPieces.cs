namespace Btc.Data.History.Series;

/// <summary>
/// What the page writer and the compactor agree on about packing (docs/decisions/0006): a piece is a coin's samples
/// of a complete hour, or of a quarter of the current hour, in every seeded currency.
/// </summary>
internal static class SeriesPieces
{
    /// <summary>
    /// The first time a sample stored now may belong to a piece already written: the quarter boundary at or before
    /// two minutes ago (CoinGecko's last_updated_at trails the poll by a minute or so). Evaluated in SQL, on the
    /// database's clock, after <see cref="WritersLock"/> is held.
    /// </summary>
    public const string CompactableUntil =
        "date_bin('15 minutes', clock_timestamp() - interval '2 minutes', timestamptz '2000-01-01 00:00+00')";

    /// <summary>
    /// Held shared by every page transaction that stores samples; taken alone for an instant by the compactor, so
    /// that every page that read the clock before the compactor did has committed when the compactor reads raw rows.
    /// </summary>
    public const string WritersLock = "hashtext('price_series_writers')";

    /// <summary>Serializes compaction steps and rebuilds across replicas.</summary>
    public const string CompactorLock = "hashtext('price_series_compactor')";
}
