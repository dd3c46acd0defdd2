namespace Btc.Worker.CoinGecko;

public enum CoinGeckoPlan
{
    /// <summary>No key; api.coingecko.com, limited per IP.</summary>
    Public,
    /// <summary>Key in x-cg-demo-api-key; api.coingecko.com.</summary>
    Demo,
    /// <summary>Key in x-cg-pro-api-key; pro-api.coingecko.com.</summary>
    Pro,
}
