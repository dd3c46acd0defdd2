using System.Globalization;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Prices;

namespace Btc.Worker.Polling;

/// <summary>A page's samples read from a /simple/price answer, with what was left out and why.</summary>
/// <param name="Skipped">Coins with no answer, or one older than retention (dead coins).</param>
/// <param name="Refused">Coins whose answer was nonsense: a price not a finite non-negative number below
/// <see cref="PriceAnswer.Ceiling"/>, or an update time before CoinGecko existed or ahead of now.</param>
/// <param name="Refusal">Why, in a few words a person can act on (null when nothing was refused).</param>
public sealed record PageSamples(IReadOnlyList<PriceSample> Samples, int Skipped, int Refused, string? Refusal);

/// <summary>
/// Reads an answer coin by coin: a coin whose answer is nonsense is refused whole (none of its prices is stored, so
/// the series and the ranks never see it), and the others are stored. An answer that is not the expected JSON at all
/// (HTML, cut short, a price that is text) fails the call before this: the page is refused whole and retried. A number
/// sent as a JSON string ("67187.33") is read as the number (the client's web defaults) and checked like any other.
/// </summary>
public static class PriceAnswer
{
    /// <summary>
    /// No coin trades near this in any currency (bitcoin is about 1e10 in the weakest): above it, a broken feed.
    /// </summary>
    public const double Ceiling = 1e15;
    private const string LastUpdatedAt = "last_updated_at";
    private static readonly DateTime BeforeCoinGecko = new(2013, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    // Clocks differ a little; an update time further ahead than this is not one.
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    public static PageSamples Read(
        IReadOnlyDictionary<string, Dictionary<string, double?>> answer, IReadOnlyList<TrackedCoin> coins,
        IReadOnlyList<Currency> currencies, DateTime now, DateTime oldestKept)
    {
        var samples = new List<PriceSample>(coins.Count);
        var reasons = new List<string>();
        int skipped = 0, refused = 0;
        foreach (var coin in coins)
        {
            if (!answer.TryGetValue(coin.Id, out var quote)
                || quote.GetValueOrDefault(LastUpdatedAt) is not { } unixSeconds)
            {
                skipped++;
                continue;
            }
            if (Refusal(coin.Id, quote, unixSeconds, currencies, now) is { } reason)
            {
                refused++;
                reasons.Add(reason);
                continue;
            }
            var at = DateTime.UnixEpoch.AddSeconds((long)unixSeconds);
            // A dead coin's last price, years old, is past retention: stored, it would be dropped at the next
            // maintenance and stored again at the next cycle, for ever.
            if (at < oldestKept)
            {
                skipped++;
                continue;
            }
            var values = new double?[currencies.Count];
            for (var i = 0; i < currencies.Count; i++)
                values[i] = quote.GetValueOrDefault(currencies[i].Code);
            samples.Add(new PriceSample(coin.CoinKey, at, values));
        }

        var said = reasons.Take(3).ToList();
        if (reasons.Count > 3)
            said.Add($"and {reasons.Count - 3} more");
        var asked = coins.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        if (answer.Keys.Count(id => !asked.Contains(id)) is var unasked and > 0)
            said.Add($"{unasked} id(s) not asked for, ignored");
        return new PageSamples(samples, skipped, refused, said.Count == 0 ? null : string.Join("; ", said));
    }

    private static string? Refusal(
        string id, Dictionary<string, double?> quote, double unixSeconds, IReadOnlyList<Currency> currencies,
        DateTime now)
    {
        if (!double.IsFinite(unixSeconds) || unixSeconds < (BeforeCoinGecko - DateTime.UnixEpoch).TotalSeconds)
            return $"'{id}': last_updated_at {unixSeconds.ToString(CultureInfo.InvariantCulture)} "
                + "is before CoinGecko existed";
        // Compared in seconds: milliseconds where seconds belong would overflow a DateTime.
        if (unixSeconds > (now + Skew - DateTime.UnixEpoch).TotalSeconds)
            return $"'{id}': last_updated_at {unixSeconds.ToString(CultureInfo.InvariantCulture)} is in the future";
        foreach (var currency in currencies)
        {
            if (quote.GetValueOrDefault(currency.Code) is { } price
                && !(double.IsFinite(price) && price >= 0 && price < Ceiling))
                return $"'{id}': {currency.Code} price {price.ToString(CultureInfo.InvariantCulture)} is not a price";
        }
        return null;
    }
}
