namespace Btc.Data.Prices;

/// <summary>What a page job saw besides the samples it stores.</summary>
/// <param name="Skipped">Coins CoinGecko omitted or returned without last_updated_at.</param>
/// <param name="CallsUsed">CoinGecko calls the page made, retries included.</param>
public sealed record PageCounts(int Skipped, int CallsUsed);
