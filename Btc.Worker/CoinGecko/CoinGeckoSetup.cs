using System.Text.Json;
using Btc.Hosting.Startup;
using Microsoft.Extensions.Options;
using Refit;

namespace Btc.Worker.CoinGecko;

public static class CoinGeckoSetup
{
    public static IServiceCollection AddCoinGecko(this IServiceCollection services, IConfiguration configuration)
    {
        services.BindValidated<CoinGeckoOptions>(CoinGeckoOptions.Section)
            // The name users already know from the original service.
            .Configure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.ApiKey))
                    o.ApiKey = configuration["COINGECKO_API_KEY"] is { Length: > 0 } key ? key : null;
            });
        services.AddSingleton<CoinGeckoCircuit>();
        services.AddTransient<CoinGeckoClient>();

        // CoinGecko never names a coin twice in one answer: an answer that does is not its JSON, and is refused whole
        // like any other (which of the two prices would be the coin's?).
        var json = new JsonSerializerOptions(SystemTextJsonContentSerializer.GetDefaultJsonSerializerOptions())
        {
            AllowDuplicateProperties = false,
        };
        services.AddRefitGeneratedClient<ICoinGeckoApi>(new RefitSettings(new SystemTextJsonContentSerializer(json)))
            .ConfigureHttpClient(
                (sp, http) => Configure(http, sp.GetRequiredService<IOptions<CoinGeckoOptions>>().Value));
        return services;
    }

    private static void Configure(HttpClient http, CoinGeckoOptions options)
    {
        http.BaseAddress = options.EffectiveBaseUrl;
        http.DefaultRequestHeaders.UserAgent.ParseAdd("btc-worker/1.0");
        // Each attempt has its own timeout (CoinGeckoClient): HttpClient's 100 s would only cut a long wait short.
        http.Timeout = Timeout.InfiniteTimeSpan;
        switch (options.EffectivePlan)
        {
            case CoinGeckoPlan.Demo:
                http.DefaultRequestHeaders.Add("x-cg-demo-api-key", options.ApiKey);
                break;
            case CoinGeckoPlan.Pro:
                http.DefaultRequestHeaders.Add("x-cg-pro-api-key", options.ApiKey);
                break;
        }
    }
}
