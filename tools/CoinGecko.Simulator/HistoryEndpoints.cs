using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CoinGecko.Simulator;

/// <summary>
/// CoinGecko's history: <c>/coins/{id}/market_chart/range</c> (one coin, one currency; 5-minute points within a day of
/// now, hourly within 90 days, daily beyond) and <c>/coins/{id}/history</c> (one coin, every currency, at 00:00 UTC of
/// a day), from the same walk /simple/price follows: a point equals what /simple/price said at its minute.
/// </summary>
public static class HistoryEndpoints
{
    public static void MapHistory(this RouteGroupBuilder api)
    {
        api.MapGet("/coins/{id}/market_chart/range", MarketChartRange);
        api.MapGet("/coins/{id}/history", History);
    }

    private static IResult MarketChartRange(
        string id,
        string? vs_currency,
        string? from,
        string? to,
        Market market,
        IOptions<SimulatorOptions> options)
    {
        if (string.IsNullOrWhiteSpace(vs_currency)
            || !long.TryParse(from, CultureInfo.InvariantCulture, out var fromSeconds)
            || !long.TryParse(to, CultureInfo.InvariantCulture, out var toSeconds))
            return Results.Json(
                new { error = "Missing or invalid parameter vs_currency, from or to" },
                statusCode: 400);
        if (market.Find(id) is not { } coin)
            return Results.Json(new { error = "coin not found" }, statusCode: 404);

        var now = market.Now;
        var ago = now - DateTimeOffset.FromUnixTimeSeconds(fromSeconds);
        var every = ago <= TimeSpan.FromDays(1) ? options.Value.ChartMinutes
            : ago <= TimeSpan.FromDays(90) ? 60
            : 1440;
        var (lastMinute, lastAt) = market.LastUpdate(coin, now);
        var offset = lastAt.ToUnixTimeSeconds() - lastMinute * 60;
        // Minutes whose update instant lies in [from, to], and not after the coin's last update.
        var first = Ceiling(CeilingDiv(fromSeconds - offset, 60), every);
        var last = Math.Min((long)Math.Floor((toSeconds - offset) / 60.0), lastMinute);
        var points = market.History(coin, vs_currency.ToLowerInvariant(), first, last, every)
            .Select(p => new[] { (p.Minute * 60 + offset) * 1000.0, p.Price }).ToArray();
        return Results.Json(new
        {
            prices = points,
            market_caps = points.Select(p => new[] { p[0], Decimal15.Round(p[1] * 1e7) }),
            total_volumes = points.Select(p => new[] { p[0], Decimal15.Round(p[1] * 1e5) }),
        });
    }

    private static IResult History(string id, string? date, Market market)
    {
        if (!DateOnly.TryParseExact(date, "dd-MM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return Results.Json(new { error = "invalid date" }, statusCode: 400);
        if (market.Find(id) is not { } coin)
            return Results.Json(new { error = "coin not found" }, statusCode: 404);

        var minute = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds() / 60;
        // No data after the coin's last update (a dead coin's) or after now: CoinGecko leaves market_data out.
        if (minute > market.LastUpdate(coin, market.Now).Minute)
            return Results.Json(new { id = coin.Id, symbol = coin.Symbol, name = coin.Name });
        var prices = market.Currencies
            .Select(code => (
                code,
                price: market.History(coin, code, minute, minute, 1).Select(p => (double?)p.Price).FirstOrDefault()))
            .Where(p => p.price is not null)
            .ToDictionary(p => p.code, p => p.price!.Value);
        return Results.Json(new
        {
            id = coin.Id, symbol = coin.Symbol, name = coin.Name,
            market_data = new
            {
                current_price = prices,
                market_cap = prices.ToDictionary(p => p.Key, p => Decimal15.Round(p.Value * 1e7)),
                total_volume = prices.ToDictionary(p => p.Key, p => Decimal15.Round(p.Value * 1e5)),
            },
        }, JsonOptions);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { DictionaryKeyPolicy = null };

    private static long CeilingDiv(long value, long by) => (long)Math.Ceiling(value / (double)by);

    private static long Ceiling(long minute, int every) => CeilingDiv(minute, every) * every;
}
