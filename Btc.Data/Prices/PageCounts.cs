namespace Btc.Data.Prices;

/// <summary>What a page job saw besides the samples it stores (its calls are counted as they are made: see CallBudget).</summary>
/// <param name="Skipped">Coins CoinGecko omitted, returned without last_updated_at, or with a price past retention.</param>
public sealed record PageCounts(int Skipped);
