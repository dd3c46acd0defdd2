using Btc.Data.Currencies;

namespace Btc.Data.History.Series;

/// <summary>
/// What the page writer, the compactor and the series read agree on about pieces (docs/decisions/0003): a piece is a
/// coin's samples of a complete hour, or of a quarter of the current hour, one row per group of five seeded currencies.
/// </summary>
internal static class SeriesPieces
{
    private const int GroupSize = 5;

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

    public static short Group(Currency currency) => (short)((currency.CurrencyKey - 1) / GroupSize);

    /// <summary>
    /// The currency's row (1-based) in its group's prices: p[(row - 1) * n + 1 : row * n] for a piece of n times.
    /// </summary>
    public static int Row(Currency currency) => (currency.CurrencyKey - 1) % GroupSize + 1;

    /// <summary>
    /// <c>INSERT … SELECT</c> of pieces from raw samples: <paramref name="source"/> is a FROM clause over
    /// price_sample <c>x</c> and <paramref name="start"/> the expression for each piece's start.
    /// </summary>
    public static string InsertSql(IReadOnlyList<Currency> currencies, string start, string source)
    {
        var seeded = currencies.Where(c => c.ColumnName is not null).OrderBy(c => c.CurrencyKey).ToArray();
        if (seeded.Where((c, i) => c.CurrencyKey != i + 1).Any())
            throw new InvalidOperationException(
                "Seeded currencies must be numbered 1 to N: a piece's rows are positional.");
        var arrays = string.Concat(
            seeded.Select(c => $",\n        array_agg(x.{c.Column} ORDER BY x.last_updated_at) AS c{c.CurrencyKey}"));
        var groups = string.Join(",\n    ", seeded.GroupBy(Group).Select(g =>
            $"({g.Key}::smallint, {string.Join(" || ", g.Select(c => $"a.c{c.CurrencyKey}"))})"));
        return $"""
            INSERT INTO price_series_piece (coin_key, grp, start, t, p)
            SELECT a.coin_key, g.grp, a.start, a.t, g.p
            FROM (
                SELECT x.coin_key, {start} AS start,
                       array_agg(extract(epoch FROM x.last_updated_at - {start})::smallint
                           ORDER BY x.last_updated_at) AS t{arrays}
                FROM {source}
                GROUP BY 1, 2
            ) a
            CROSS JOIN LATERAL (VALUES
                {groups}
            ) AS g(grp, p)
            """;
    }
}
