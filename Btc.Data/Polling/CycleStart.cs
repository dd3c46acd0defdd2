namespace Btc.Data.Polling;

/// <summary>
/// What starting a cycle found. <see cref="OpenPages"/>: for a second run of a trigger whose pages were fixed, the
/// pages neither stored nor superseded (null while its pages are not fixed yet). <see cref="SupersededPages"/>: the
/// page numbers of the newest older cycle this one superseded, to go first.
/// </summary>
public sealed record CycleStart(
    int CycleId, bool Finished, IReadOnlyList<int>? OpenPages, IReadOnlyList<int> SupersededPages);
