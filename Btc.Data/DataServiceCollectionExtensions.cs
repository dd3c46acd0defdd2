using Btc.Data.ApiKeys;
using Btc.Data.Backfill;
using Btc.Data.History.Bars;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Live;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Rates;
using Btc.Data.Volatility;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Btc.Data.History;
using Btc.Data.Budget;

namespace Btc.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the one <see cref="NpgsqlDataSource"/> on <paramref name="connectionString"/> (the primary, or for a
    /// reader a replica) and the stores over it.
    /// </summary>
    public static IServiceCollection AddBtcData(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(
            provider => BtcConnectionString.CreateDataSource(connectionString, provider.GetService<ILoggerFactory>()));
        services.AddSingleton<CoinStore>();
        services.AddSingleton<CurrencyStore>();
        services.AddSingleton<PriceSampleStore>();
        services.AddSingleton<PriceCommits>();
        services.AddSingleton<PricePartitions>();
        services.AddSingleton<RateStore>();
        services.AddSingleton<SeriesReader>();
        services.AddSingleton<SeriesCompactor>();
        services.AddSingleton<BarReader>();
        services.AddSingleton<BarRollup>();
        services.AddSingleton<BarConversion>();
        services.AddSingleton<BarRetention>();
        services.AddSingleton<PollCycleStore>();
        services.AddSingleton<CallBudget>();
        services.AddSingleton<BudgetPlanStore>();
        services.AddSingleton<VolatilityStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<BackfillStore>();
        return services;
    }
}
