using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.History.Bars;
using Btc.Data.History.Series.Codec;
using CoinGecko.Simulator;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// Days of history before the minute samples, for the 30-day and year views of a filled database: each coin's usd
/// walk, 10-minutely, ending where its minute samples start, times each day's rates, rolled up into bars by the
/// rollup's own code — day bars for every day, hour bars for the last <see cref="HourBarDays"/> (the hour tier then
/// starts there, as if retention had dropped the older ones: writing a year of them would take minutes).
/// </summary>
public static class LongHistory
{
    public const int HourBarDays = 30;
    private const int SamplesPerHour = 6;
    private const int StepMinutes = 60 / SamplesPerHour;

    /// <summary>Writes the <paramref name="days"/> whole UTC days before <paramref name="until"/>.</summary>
    public static async Task WriteAsync(
        NpgsqlDataSource db, IReadOnlyList<TrackedCoin> coins, DateOnly until, int days)
    {
        var codes = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null)
            .OrderBy(c => c.CurrencyKey).Select(c => c.Code).ToArray();
        var walk = new PriceWalk(42);
        var rates = new CurrencyRates(42);
        var usdSlot = Math.Max(0, Array.IndexOf(codes, "usd"));
        var first = until.AddDays(-days);
        var steps = days * 24 * SamplesPerHour;
        // Started so that the walk ends on the minute samples' first price: the sum of its steps before it.
        var logUsd = coins.Select(c => walk.StartLogPrice(c.CoinKey, "usd")
            - Enumerable.Range(0, steps).Sum(i => Step(walk, c.CoinKey, usdSlot, i - steps))).ToArray();
        await new BarRollup(db).WriteDaysAsync(
            Days(walk, rates, coins, codes, usdSlot, first, until, logUsd), until.AddDays(-HourBarDays));
        await new BarRetention(db).DropHourBarsBeforeAsync(until.AddDays(-Math.Min(days, HourBarDays)));
    }

    /// <summary>Each day's hours of every coin, in day order, the walk stepping on from <paramref name="logUsd"/>.
    /// </summary>
    private static IEnumerable<(DateOnly, IReadOnlyList<(int, DateTime, PieceData)>)> Days(PriceWalk walk,
        CurrencyRates rates, IReadOnlyList<TrackedCoin> coins, string[] codes, int usdSlot, DateOnly first,
        DateOnly until, double[] logUsd)
    {
        var step = (first.DayNumber - until.DayNumber) * 24 * SamplesPerHour;
        for (var day = first; day < until; day = day.AddDays(1))
        {
            var hours = new List<(int, DateTime, PieceData)>(coins.Count * 24);
            // A usd price to each currency's: the day's opening rates (sats and bits scaled), unrounded, as bars need
            // no CoinGecko digits; the rates' walk told at every hour, or rounding to 15 digits, took most of the time.
            var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            var minute = new DateTimeOffset(midnight).ToUnixTimeSeconds() / 60;
            var factors = codes.Select(c => CurrencyRates.Price(c, 1, rates.Rate(c, minute))).ToArray();
            for (var h = 0; h < 24; h++, step += SamplesPerHour)
            {
                var start = day.ToDateTime(new TimeOnly(h, 0), DateTimeKind.Utc);
                for (var k = 0; k < coins.Count; k++)
                    hours.Add((coins[k].CoinKey, start, Hour(walk, coins[k].CoinKey, usdSlot, step, codes, factors,
                        ref logUsd[k])));
            }
            yield return (day, hours);
        }
    }

    /// <summary>A coin's hour of samples in every seeded currency, the coin's own second into each step.</summary>
    private static PieceData Hour(PriceWalk walk, int coinKey, int usdSlot, int step, string[] codes,
        double[] factors, ref double logUsd)
    {
        var seconds = new int[SamplesPerHour];
        var columns = codes.Select(_ => new double?[SamplesPerHour]).ToArray();
        for (var i = 0; i < SamplesPerHour; i++)
        {
            seconds[i] = i * StepMinutes * 60 + coinKey % 50;
            var usd = Math.Exp(logUsd += Step(walk, coinKey, usdSlot, step + i));
            for (var c = 0; c < codes.Length; c++)
                columns[c][i] = usd * factors[c];
        }
        return new PieceData(seconds, columns);
    }

    /// <summary>A step of the minute walk's spread over <see cref="StepMinutes"/> minutes.</summary>
    private static double Step(PriceWalk walk, int coinKey, int usdSlot, int step) =>
        walk.Step(coinKey, usdSlot, step) * Math.Sqrt(StepMinutes);
}
