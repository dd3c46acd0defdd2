namespace CoinGecko.Simulator;

/// <summary>
/// A seeded random walk of log prices per coin and currency, one step a minute. Each step depends only on
/// (seed, coin, currency, minute), so a walk replayed from the same start gives the same prices.
/// </summary>
public sealed class PriceWalk(int seed)
{
    /// <summary>The log price a walk starts from: a coin's base USD price times the currency's rate.</summary>
    public double StartLogPrice(int coin, string currency) =>
        Lerp(Math.Log(1e-4), Math.Log(1e5), Hash.Unit((ulong)seed, (ulong)coin, 0xBA5E)) + LogRate(currency);

    /// <summary>The change of log price from minute - 1 to minute.</summary>
    public double Step(int coin, int currencySlot, long minute) =>
        Volatility(coin) * Hash.Normal((ulong)seed, (ulong)coin, (ulong)currencySlot, (ulong)minute);

    /// <summary>Per-minute volatility: from calm stablecoin-like walks to wild ones, so ranks differ.</summary>
    public double Volatility(int coin) => 0.0002 * Math.Exp(4 * Hash.Unit((ulong)seed, (ulong)coin, 0x5161));

    /// <summary>The log of a currency's starting rate: units of it one USD buys.</summary>
    public double LogRate(string currency) => currency switch
    {
        "usd" => 0,
        "eur" => Math.Log(0.92),
        "btc" => Math.Log(1.0 / 60_000),
        "sats" => Math.Log(1e8 / 60_000),
        _ => Lerp(Math.Log(1e-3), Math.Log(3e4), Hash.Unit((ulong)seed, StableHash(currency), 0xFEED)),
    };

    public static ulong StableHash(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
            h = (h ^ c) * 1099511628211UL;
        return h;
    }

    private static double Lerp(double a, double b, double t) => a + (b - a) * t;
}
