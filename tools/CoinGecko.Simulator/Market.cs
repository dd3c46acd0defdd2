using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;

namespace CoinGecko.Simulator;

/// <summary>
/// The simulated market: coins, currencies, a clock tests can move, and each walk's current state. Shaped (the
/// default), a coin walks in USD and its other prices are that times the <see cref="CurrencyRates"/> of the moment;
/// independent, every currency of a coin walks on its own, unrounded (the worst case for storage).
/// </summary>
public sealed class Market
{
    public const int MaxCurrencies = 128;

    public static readonly string[] InitialCurrencies =
    [
        "btc", "eth", "ltc", "bch", "bnb", "eos", "xrp", "xlm", "link", "dot", "yfi", "usd", "aed", "ars", "aud", "bdt",
        "bhd", "bmd", "brl", "cad", "chf", "clp", "cny", "czk", "dkk", "eur", "gbp", "gel", "hkd", "huf", "idr", "ils",
        "inr", "jpy", "krw", "kwd", "lkr", "mmk", "mxn", "myr", "ngn", "nok", "nzd", "php", "pkr", "pln", "rub", "sar",
        "sek", "sgd", "thb", "try", "twd", "uah", "vef", "vnd", "zar", "xdr", "xag", "xau", "bits", "sats",
    ];

    private static readonly DateTimeOffset StaleEpoch = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly int UsdSlot = Array.IndexOf(InitialCurrencies, "usd");

    private readonly SimulatorOptions _options;
    private readonly PriceWalk _walk;
    private readonly Dictionary<string, SimulatedCoin> _byId;
    private readonly long[] _minuteOf;
    private readonly double[] _logPrices;
    private readonly DateTimeOffset _createdAt = DateTimeOffset.UtcNow;
    private readonly bool _shaped;
    private readonly ConcurrentDictionary<(int Coin, long Day), double> _usdAtDay = new();
    private readonly Lock _currenciesLock = new();
    private volatile string[] _currencies = InitialCurrencies;
    private long _clockOffsetTicks;
    private long _frozenAtTicks;

    public Market(SimulatorOptions options)
    {
        _options = options;
        _walk = new PriceWalk(options.Seed);
        Coins = CoinCatalog.Build(options);
        _byId = Coins.ToDictionary(c => c.Id, StringComparer.Ordinal);
        _minuteOf = new long[Coins.Count];
        _logPrices = new double[Coins.Count * MaxCurrencies];
        _shaped = options.Currencies == CurrencyModel.Shaped;
        Rates = new CurrencyRates(options.Seed, CoinUsd);
    }

    /// <summary>The rates of the shaped market (unused by independent walks).</summary>
    public CurrencyRates Rates { get; }

    public IReadOnlyList<SimulatedCoin> Coins { get; }

    public SimulatedCoin? Find(string id) => _byId.GetValueOrDefault(id);
    public IReadOnlyList<string> Currencies => _currencies;

    public DateTimeOffset Now => Interlocked.Read(ref _frozenAtTicks) is var frozen and > 0
        ? new DateTimeOffset(frozen, TimeSpan.Zero) + TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks))
        : DateTimeOffset.UtcNow + TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks));

    /// <summary>Moves the market's clock, so that tests see new prices without waiting.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _clockOffsetTicks, by.Ticks);

    /// <summary>Lets the clock run with real time again (keeping what <see cref="Advance"/> added).</summary>
    public void Run() => Interlocked.Exchange(ref _frozenAtTicks, 0);

    /// <summary>Stops the clock, so prices change only when <see cref="Advance"/> says.</summary>
    public void Freeze() => Interlocked.CompareExchange(ref _frozenAtTicks, DateTimeOffset.UtcNow.UtcTicks, 0);

    public bool AddCurrency(string code)
    {
        lock (_currenciesLock)
        {
            if (_currencies.Contains(code) || _currencies.Length >= MaxCurrencies)
                return false;
            _currencies = [.. _currencies, code];
            return true;
        }
    }

    /// <summary>Writes a /simple/price answer for the given ids and currencies.</summary>
    public void WritePrices(
        IBufferWriter<byte> output,
        IEnumerable<string> ids,
        IReadOnlyCollection<string> vsCurrencies,
        bool includeLastUpdatedAt)
    {
        var currencies = _currencies;
        var slots = vsCurrencies.Select(c => Array.IndexOf(currencies, c)).ToArray();
        var now = Now;
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (!_byId.TryGetValue(id, out var coin) || coin.Kind == CoinKind.Omitted)
                continue;
            json.WriteStartObject(coin.Id);
            if (coin.Kind != CoinKind.Empty)
                WriteCoin(json, coin, vsCurrencies, slots, now, includeLastUpdatedAt);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private void WriteCoin(
        Utf8JsonWriter json,
        SimulatedCoin coin,
        IReadOnlyCollection<string> vsCurrencies,
        int[] slots,
        DateTimeOffset now,
        bool includeLastUpdatedAt)
    {
        var (minute, updatedAt) = LastUpdate(coin, now);
        var i = 0;
        lock (coin)
        {
            AdvanceTo(coin, minute);
            foreach (var code in vsCurrencies)
            {
                var slot = slots[i++];
                if (slot < 0)
                    continue;
                if (coin.Kind == CoinKind.Partial)
                {
                    var u = Hash.Unit((ulong)_options.Seed, (ulong)coin.Index, (ulong)slot, 0x9A7);
                    if (u < 0.3 || code == "usd")
                        continue;
                    if (u < 0.5)
                    {
                        json.WriteNull(code);
                        continue;
                    }
                }
                var logPrice = _logPrices[coin.Index * MaxCurrencies + WalkedSlot(slot)];
                json.WriteNumber(code, Answer(code, logPrice, updatedAt.ToUnixTimeSeconds()));
            }
        }
        if (includeLastUpdatedAt)
            json.WriteNumber("last_updated_at", updatedAt.ToUnixTimeSeconds());
    }

    /// <summary>
    /// The minute of the coin's last update and its CoinGecko-style timestamp: the coin's own second (0 to 49) into
    /// that minute.
    /// </summary>
    public (long Minute, DateTimeOffset At) LastUpdate(SimulatedCoin coin, DateTimeOffset now)
    {
        var offsetSeconds = OffsetSeconds(coin);
        if (coin.Kind == CoinKind.Stale)
        {
            var at = StaleEpoch.AddMinutes(
                Math.Floor(Hash.Unit((ulong)_options.Seed, (ulong)coin.Index, 0x57A) * 3 * 365 * 1440));
            return (at.ToUnixTimeSeconds() / 60, at.AddSeconds(offsetSeconds));
        }
        var minute = (now.ToUnixTimeSeconds() - offsetSeconds) / 60;
        return (minute, DateTimeOffset.FromUnixTimeSeconds(minute * 60 + offsetSeconds));
    }

    private long OffsetSeconds(SimulatedCoin coin) =>
        (long)(Hash.Unit((ulong)_options.Seed, (ulong)coin.Index, 0x0FF) * 50);

    /// <summary>
    /// A coin's prices in one currency at every <paramref name="every"/>-th minute from <paramref name="fromMinute"/>
    /// to <paramref name="toMinute"/>: the walk /simple/price follows, told for any minute, before the simulator
    /// started too. Empty for a currency the coin is not priced in.
    /// </summary>
    public IEnumerable<(long Minute, double Price)> History(
        SimulatedCoin coin,
        string currency,
        long fromMinute,
        long toMinute,
        int every)
    {
        var slot = Array.IndexOf(_currencies, currency);
        if (slot < 0 || fromMinute > toMinute || !Priced(coin, slot, currency))
            yield break;
        var walked = WalkedSlot(slot);
        var offsetSeconds = OffsetSeconds(coin);
        var logPrice = LogPriceAt(coin, walked, fromMinute);
        for (var minute = fromMinute; minute <= toMinute; minute++)
        {
            if (minute > fromMinute)
                logPrice += _walk.Step(coin.Index, walked, minute);
            if ((minute - fromMinute) % every == 0)
                yield return (minute, Answer(currency, logPrice, minute * 60 + offsetSeconds));
        }
    }

    /// <summary>Whether /simple/price gives the coin a price in the currency (partial coins lack some).</summary>
    public bool Priced(SimulatedCoin coin, int slot, string code) =>
        coin.Kind is not (CoinKind.Omitted or CoinKind.Empty)
        && (coin.Kind != CoinKind.Partial
            || (code != "usd" && Hash.Unit((ulong)_options.Seed, (ulong)coin.Index, (ulong)slot, 0x9A7) >= 0.5));

    /// <summary>The walk a currency's price follows: shaped, every currency follows the coin's USD walk.</summary>
    private int WalkedSlot(int slot) => _shaped ? UsdSlot : slot;

    /// <summary>
    /// The price answered for a walk's log price at the coin's update instant: independent, the walk's own price;
    /// shaped, the USD price to 15 digits times the rate then in force, to 15 digits.
    /// </summary>
    private double Answer(string code, double logPrice, long updatedAtSeconds)
    {
        if (!_shaped)
            return Math.Exp(logPrice);
        var minute = CurrencyRates.RateMinute(updatedAtSeconds);
        return CurrencyRates.Price(code, Decimal15.Round(Math.Exp(logPrice)), Rates.Rate(code, minute));
    }

    /// <summary>
    /// The walk's log price at a minute, stepped from the coin's anchor: the minute it was last updated when the
    /// simulator started (a stale coin's is years back), where it starts at its base price.
    /// </summary>
    private double LogPriceAt(SimulatedCoin coin, int slot, long minute) =>
        Walk(coin, slot, _walk.StartLogPrice(coin.Index, _currencies[slot]), Anchor(coin), minute);

    private long Anchor(SimulatedCoin coin) => LastUpdate(coin, _createdAt).Minute;

    /// <summary>A walk's log price at <paramref name="to"/>, from its log price at <paramref name="from"/>.</summary>
    private double Walk(SimulatedCoin coin, int slot, double logPrice, long from, long to)
    {
        for (var m = from + 1; m <= to; m++)
            logPrice += _walk.Step(coin.Index, slot, m);
        for (var m = from; m > to; m--)
            logPrice -= _walk.Step(coin.Index, slot, m);
        return logPrice;
    }

    /// <summary>
    /// The USD price of the coin behind a crypto currency's rate (CoinGecko's id, e.g. bitcoin for btc) at a minute;
    /// null where the market has no such coin, or only a dead one.
    /// </summary>
    private double? CoinUsd(string id, long minute) =>
        _byId.TryGetValue(id, out var coin) && coin.Kind != CoinKind.Stale
            ? Decimal15.Round(Math.Exp(UsdLogPriceAt(coin, minute)))
            : null;

    /// <summary>
    /// A coin's USD walk at any minute, stepped from the start of its day, whose log price is kept: a chart of months
    /// in that coin's currency then costs at most a day's steps a point. Days are stepped outward from the anchor's,
    /// each from the one before it, so a day's value does not depend on which request reached it first.
    /// </summary>
    private double UsdLogPriceAt(SimulatedCoin coin, long minute)
    {
        // Unix minutes: positive, so division floors.
        var anchorDay = Anchor(coin) / 1440;
        var day = minute / 1440;
        var direction = day >= anchorDay ? 1 : -1;
        var known = day;
        while (known != anchorDay && !_usdAtDay.ContainsKey((coin.Index, known)))
            known -= direction;
        var log = _usdAtDay.GetOrAdd((coin.Index, known), d => LogPriceAt(coin, UsdSlot, d.Day * 1440));
        for (; known != day; known += direction)
        {
            log = Walk(coin, UsdSlot, log, known * 1440, (known + direction) * 1440);
            _usdAtDay[(coin.Index, known + direction)] = log;
        }
        return Walk(coin, UsdSlot, log, day * 1440, minute);
    }

    /// <summary>Steps the coin's walks to a minute: shaped, its USD walk only; independent, each currency's.</summary>
    private void AdvanceTo(SimulatedCoin coin, long minute)
    {
        var (first, end) = _shaped ? (UsdSlot, UsdSlot + 1) : (0, _currencies.Length);
        var row = coin.Index * MaxCurrencies;
        if (_minuteOf[coin.Index] == 0)
        {
            for (var slot = first; slot < end; slot++)
                _logPrices[row + slot] = LogPriceAt(coin, slot, minute);
            _minuteOf[coin.Index] = minute;
            return;
        }
        // A currency added since the coin was last priced joins its walk where it is now.
        for (var slot = first; slot < end; slot++)
        {
            if (_logPrices[row + slot] == 0)
                _logPrices[row + slot] = LogPriceAt(coin, slot, _minuteOf[coin.Index]);
        }
        for (var m = _minuteOf[coin.Index] + 1; m <= minute; m++)
        {
            for (var slot = first; slot < end; slot++)
                _logPrices[row + slot] += _walk.Step(coin.Index, slot, m);
        }
        _minuteOf[coin.Index] = Math.Max(_minuteOf[coin.Index], minute);
    }
}
