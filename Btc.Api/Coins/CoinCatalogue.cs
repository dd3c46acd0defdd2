using Btc.Data.Coins;

namespace Btc.Api.Coins;

/// <summary>
/// The coins with prices, searched in memory: a keystroke's search is a pass over their lowercased ids, symbols and
/// names (15,000 coins: well under a millisecond), not a query. Matches rank exact id, exact symbol, name prefix,
/// id prefix, symbol prefix, then a word of the name after its first ("cash" finds "Bitcoin Cash"); case does not
/// matter, and within a rank coins keep the catalogue's order, code-point order of id.
/// </summary>
public sealed class CoinCatalogue
{
    private const int Ranks = 6;

    private readonly Entry[] _entries;

    /// <param name="coins">In code-point order of id, as the store lists them.</param>
    public CoinCatalogue(IReadOnlyList<CoinListEntry> coins)
    {
        _entries = coins.Select(c => new Entry(
            c, c.Id.ToLowerInvariant(), c.Symbol.ToLowerInvariant(), c.Name.ToLowerInvariant())).ToArray();
        // Each string twice (as listed and lowercased), two bytes a character, and the objects around them.
        Bytes = coins.Sum(c => 4L * (c.Id.Length + c.Symbol.Length + c.Name.Length) + 200);
    }

    /// <summary>About what the catalogue holds in memory, for the cache's size limit.</summary>
    public long Bytes { get; }

    /// <summary>The first <paramref name="limit"/> coins matching <paramref name="text"/>, best first.</summary>
    public IReadOnlyList<CoinListEntry> Find(string text, int limit)
    {
        var query = text.Trim().ToLowerInvariant();
        var ranked = new List<CoinListEntry>[Ranks];
        for (var r = 0; r < Ranks; r++)
            ranked[r] = [];
        foreach (var entry in _entries)
        {
            if (RankOf(entry, query) is var rank and >= 0 && ranked[rank].Count < limit)
                ranked[rank].Add(entry.Coin);
        }
        return ranked.SelectMany(r => r).Take(limit).ToArray();
    }

    private static int RankOf(Entry entry, string query)
    {
        if (entry.Id == query)
            return 0;
        if (entry.Symbol == query)
            return 1;
        if (entry.Name.StartsWith(query, StringComparison.Ordinal))
            return 2;
        if (entry.Id.StartsWith(query, StringComparison.Ordinal))
            return 3;
        if (entry.Symbol.StartsWith(query, StringComparison.Ordinal))
            return 4;
        return HasWordStarting(entry.Name, query) ? 5 : -1;
    }

    /// <summary>Whether a word after the first (after a space, hyphen, bracket…) starts with the query.</summary>
    private static bool HasWordStarting(string name, string query)
    {
        if (name.Length < 2)
            return false;
        for (var i = name.IndexOf(query[0], 1); i > 0; i = name.IndexOf(query[0], i + 1))
        {
            if (!char.IsLetterOrDigit(name[i - 1]) && name.AsSpan(i).StartsWith(query, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>A coin as listed, and its id, symbol and name in lowercase.</summary>
    private sealed record Entry(CoinListEntry Coin, string Id, string Symbol, string Name);
}
