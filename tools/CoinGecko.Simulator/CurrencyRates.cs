using System.Collections.Concurrent;

namespace CoinGecko.Simulator;

/// <summary>
/// The rates of the CoinGecko-shaped market: how many units of a currency one USD buys at a moment, the same for every
/// coin. A coin's price in a currency is its USD price times the rate in force when the coin updated, rounded to 15
/// significant digits; <c>sats</c> and <c>bits</c> are its <c>btc</c> price × 10⁸ and × 10⁶, <c>bmd</c> its USD
/// price.
/// </summary>
public sealed class CurrencyRates(int seed, Func<string, long, double?>? coinUsd = null)
{
    /// <summary>
    /// The second of every minute at which that minute's rates replace the previous minute's: coins update at their
    /// own seconds, so a coin updated before it carries the previous minute's rates.
    /// </summary>
    public const int ChangeSecond = 30;

    // CoinGecko's ids of the coins whose USD prices make the crypto vs-currencies' rates.
    private static readonly Dictionary<string, string> CoinOf = new(StringComparer.Ordinal)
    {
        ["btc"] = "bitcoin", ["eth"] = "ethereum", ["ltc"] = "litecoin", ["bch"] = "bitcoin-cash",
        ["bnb"] = "binancecoin", ["eos"] = "eos", ["xrp"] = "ripple", ["xlm"] = "stellar", ["link"] = "chainlink",
        ["dot"] = "polkadot", ["yfi"] = "yearn-finance",
    };

    // Noise at spans of 1, 2, 4 … 2^20 minutes (two years), each scaled like a walk over its span.
    private const int Levels = 21;
    private const double Volatility = 5e-5;
    private const int CacheLimit = 500_000;

    private readonly PriceWalk _walk = new(seed);
    private readonly ConcurrentDictionary<(string Code, long Minute), double> _cache = new();
    private int _cached;

    /// <summary>The minute whose rates are in force at an instant (unix seconds).</summary>
    public static long RateMinute(long unixSeconds) => (long)Math.Floor((unixSeconds - ChangeSecond) / 60.0);

    /// <summary>
    /// Units of <paramref name="code"/> one USD buys during a rate minute (for <c>sats</c> and <c>bits</c>, the
    /// <c>btc</c> rate they are made from). A crypto currency's rate is one over its coin's USD price where the market
    /// has that coin; fiat, commodities (xag, xau) and the other crypto currencies walk.
    /// </summary>
    public double Rate(string code, long minute)
    {
        switch (code)
        {
            case "usd" or "bmd":
                return 1;
            case "sats" or "bits":
                return Rate("btc", minute);
        }
        if (_cache.TryGetValue((code, minute), out var rate))
            return rate;
        rate = CoinOf.TryGetValue(code, out var id) && coinUsd?.Invoke(id, minute) is { } usd
            ? 1 / usd
            : Math.Exp(LogWalk(code, minute));
        // A bound on memory for long runs; the rates are recomputed alike after a clear.
        if (Interlocked.Increment(ref _cached) > CacheLimit)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cached, 0);
        }
        _cache.TryAdd((code, minute), rate);
        return rate;
    }

    /// <summary>A coin's answered price in a currency, from its answered USD price and the currency's rate.</summary>
    public static double Price(string code, double usd, double rate) => code switch
    {
        "usd" or "bmd" => usd,
        "sats" => Decimal15.Round(Decimal15.Round(usd * rate) * 1e8),
        "bits" => Decimal15.Round(Decimal15.Round(usd * rate) * 1e6),
        _ => Decimal15.Round(usd * rate),
    };

    /// <summary>
    /// A slow walk told for any minute without stepping to it: hashed noise at every span from a minute to two years,
    /// each interpolated between its knots and scaled by the square root of its span, as a walk's spread grows. The
    /// minute-span noise moves the rate every minute (~1e-4), the longer spans make it wander over days and months.
    /// </summary>
    private double LogWalk(string code, long minute)
    {
        var key = PriceWalk.StableHash(code);
        var log = _walk.LogRate(code);
        for (var level = 0; level < Levels; level++)
        {
            var span = 1L << level;
            var knot = Math.DivRem(minute, span, out var into);
            if (into < 0)
                (knot, into) = (knot - 1, into + span);
            var from = Hash.Normal((ulong)seed, key, (ulong)level, (ulong)knot);
            var to = Hash.Normal((ulong)seed, key, (ulong)level, (ulong)(knot + 1));
            log += Volatility * Math.Sqrt(span) * (from + (to - from) * into / span);
        }
        return log;
    }
}
