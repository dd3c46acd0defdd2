using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Refit;

namespace Btc.Worker.CoinGecko;

public static class CoinGeckoSetup
{
    public static IServiceCollection AddCoinGecko(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CoinGeckoOptions>()
            .BindConfiguration(CoinGeckoOptions.Section)
            // The name users already know from the original service.
            .Configure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.ApiKey))
                    o.ApiKey = configuration["COINGECKO_API_KEY"] is { Length: > 0 } key ? key : null;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddTransient<CallBudgetHandler>();
        services.AddTransient<CallBudgetWaiter>();

        var timeout = TimeSpan.FromSeconds(configuration.GetValue($"{CoinGeckoOptions.Section}:TimeoutSeconds", 10));
        var client = services.AddRefitGeneratedClient<ICoinGeckoApi>()
            .ConfigureHttpClient((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<CoinGeckoOptions>>().Value;
                http.BaseAddress = options.EffectiveBaseUrl;
                http.DefaultRequestHeaders.UserAgent.ParseAdd("btc-worker/1.0");
                switch (options.EffectivePlan)
                {
                    case CoinGeckoPlan.Demo:
                        http.DefaultRequestHeaders.Add("x-cg-demo-api-key", options.ApiKey);
                        break;
                    case CoinGeckoPlan.Pro:
                        http.DefaultRequestHeaders.Add("x-cg-pro-api-key", options.ApiKey);
                        break;
                }
            });
        // Handlers run in the order added: the waiter outside the resilience policy (its waits are not attempts and
        // count against no timeout), the budget inside it (every attempt takes a call).
        client.AddHttpMessageHandler<CallBudgetWaiter>();
        client.AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = timeout;
                resilience.TotalRequestTimeout.Timeout = timeout * 4;
                resilience.CircuitBreaker.SamplingDuration = timeout * 2;
                resilience.Retry.MaxRetryAttempts = 2;
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(500);
                // A 429 is not retried here: the budget handler turns it into a wait shared by every replica.
                resilience.Retry.ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome));
            });
        client.AddHttpMessageHandler<CallBudgetHandler>();
        return services;
    }
}
