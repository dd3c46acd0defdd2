namespace Btc.Data.Prices;

/// <summary>A half-open span [From, To) of CoinGecko last_updated_at times.</summary>
public readonly record struct PriceWindow(DateTime From, DateTime To)
{
    public static readonly TimeSpan Day = TimeSpan.FromHours(24);

    /// <summary>
    /// The 24 hours up to <paramref name="utcNow"/>: every sample stored is served from its page's commit on.
    /// </summary>
    public static PriceWindow LastDay(DateTime utcNow) => new(utcNow - Day, utcNow);
}
