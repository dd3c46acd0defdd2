namespace CoinGecko.Simulator;

/// <summary>Counter-based randomness: the same inputs give the same number on any run and in any order.</summary>
public static class Hash
{
    public static ulong Mix(ulong a, ulong b, ulong c, ulong d = 0)
    {
        var x = SplitMix(a ^ SplitMix(b ^ SplitMix(c ^ SplitMix(d))));
        return x;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public static double Unit(ulong a, ulong b, ulong c, ulong d = 0) => (Mix(a, b, c, d) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal, by Box-Muller.</summary>
    public static double Normal(ulong a, ulong b, ulong c, ulong d)
    {
        var u1 = 1.0 - Unit(a, b, c, d);
        var u2 = Unit(a, b, c, d ^ 0x9E3779B97F4A7C15);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}
