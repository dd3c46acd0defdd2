namespace CoinGecko.Simulator;

public sealed record SimulatedCoin(int Index, string Id, string Symbol, string Name, CoinKind Kind);

public enum CoinKind { Live, Stale, Partial, Omitted, Empty }

/// <summary>
/// A deterministic coin list that looks like CoinGecko's: hyphens, digits, spaces, brackets, underscores.
/// </summary>
public static class CoinCatalog
{
    // Real ids that trip up culture-aware sorting and URL encoding.
    private static readonly string[] Awkward =
    [
        "-2", "0-knowledge-network", "01coin", "1move token", "boringdao-[old]", "wrapped_bitcoin", "_token",
        "a-b-c", "Zeta", "zeta", "ápollo", "x.y", "0x", "00-token", "~tilde", "bridged-usdc-(polygon)",
    ];

    private static readonly string[] Syllables =
    [
        "bit", "coin", "chain", "swap", "meta", "moon", "doge", "inu", "fi", "dao", "verse", "pad", "lab", "net",
        "sol", "eth", "ape", "cat", "frog", "gold", "star", "nova", "lux", "zen", "quant", "ray", "dex", "pay",
    ];

    public static IReadOnlyList<SimulatedCoin> Build(SimulatorOptions options)
    {
        var random = new Random(options.Seed);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var coins = new List<SimulatedCoin>(options.Coins);
        foreach (var id in Awkward.Take(options.Coins))
            Add(id);
        while (coins.Count < options.Coins)
        {
            var parts = random.Next(1, 4);
            var id = string.Concat(Enumerable.Range(0, parts).Select(_ => Syllables[random.Next(Syllables.Length)]));
            id = random.Next(10) switch
            {
                0 => $"{id}-{random.Next(1, 999)}",
                1 => $"{id} {Syllables[random.Next(Syllables.Length)]}",
                2 => $"{random.Next(0, 99)}{id}",
                3 => $"{id}-[old]",
                4 => $"{id}_{Syllables[random.Next(Syllables.Length)]}",
                5 => $"-{id}",
                _ => id,
            };
            Add(id);
        }
        return coins;

        void Add(string id)
        {
            if (!ids.Add(id))
                return;
            var index = coins.Count;
            coins.Add(new SimulatedCoin(index, id, Symbol(id), Name(id), KindOf(index, options)));
        }
    }

    private static string Symbol(string id) =>
        new string(id.Where(char.IsLetterOrDigit).Take(4).ToArray()) is { Length: > 0 } s ? s : "x";

    private static string Name(string id) => string.Join(' ', id.Split('-', '_', ' ').Where(p => p.Length > 0)
        .Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private static CoinKind KindOf(int index, SimulatorOptions options)
    {
        // A fixed hash per coin, so the kinds do not move when the list grows.
        var u = Hash.Unit((ulong)options.Seed, (ulong)index, 0xC01);
        var edge = options.StaleShare;
        if (u < edge) return CoinKind.Stale;
        if (u < (edge += options.PartialShare)) return CoinKind.Partial;
        if (u < (edge += options.OmittedShare)) return CoinKind.Omitted;
        return u < edge + options.EmptyShare ? CoinKind.Empty : CoinKind.Live;
    }
}
