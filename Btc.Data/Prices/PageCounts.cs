using Btc.Data.Budget;
namespace Btc.Data.Prices;

/// <summary>
/// What a page job saw besides the samples it stores (its calls are counted as they are made: see CallBudget).
/// </summary>
/// <param name="Skipped">Coins CoinGecko omitted, returned without last_updated_at, or with a price past
/// retention.</param>
/// <param name="Refused">Coins whose answer was nonsense (a negative or absurd price, an impossible time): not
/// stored.</param>
/// <param name="Refusal">Why they were refused.</param>
public sealed record PageCounts(int Skipped, int Refused = 0, string? Refusal = null);
