using System.Net;
using System.Text.Json;
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
        // CoinGecko never names a coin twice in one answer: an answer that does is not its JSON, and is refused whole
        // like any other (which of the two prices would be the coin's?).
        var json = new JsonSerializerOptions(SystemTextJsonContentSerializer.GetDefaultJsonSerializerOptions()) { AllowDuplicateProperties = false };
        var client = services.AddRefitGeneratedClient<ICoinGeckoApi>(new RefitSettings(new SystemTextJsonContentSerializer(json)))
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
        services.AddSingleton<CoinGeckoCircuit>();
        client.AddStandardResilienceHandler().Configure((resilience, sp) =>
            {
                resilience.AttemptTimeout.Timeout = timeout;
                resilience.TotalRequestTimeout.Timeout = timeout * 4;
                // When CoinGecko is down, the next minute's cycle tries again anyway: at least 5 attempts within two
                // timeouts, half of them failed, open the circuit, and the rest of the minute's pages and their retries
                // fail at once without spending calls.
                // A 429 is not an outage (the budget handler waits it out).
                resilience.CircuitBreaker.SamplingDuration = timeout * 2;
                resilience.CircuitBreaker.MinimumThroughput = 5;
                resilience.CircuitBreaker.FailureRatio = 0.5;
                resilience.CircuitBreaker.BreakDuration = CoinGeckoCircuit.BreakDuration(timeout);
                resilience.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome));
                resilience.Retry.MaxRetryAttempts = 2;
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(500);
                // A 429 is not retried here: the budget handler turns it into a wait shared by every replica.
                resilience.Retry.ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome));
                var circuit = sp.GetRequiredService<CoinGeckoCircuit>();
                resilience.CircuitBreaker.OnOpened = args =>
                {
                    circuit.Opened(args.BreakDuration, args.Outcome.Exception?.Message ?? $"HTTP {(int?)args.Outcome.Result?.StatusCode}");
                    return ValueTask.CompletedTask;
                };
                resilience.CircuitBreaker.OnClosed = _ =>
                {
                    circuit.Closed();
                    return ValueTask.CompletedTask;
                };
            });
        client.AddHttpMessageHandler<CallBudgetHandler>();
        return services;
    }
}
