using Btc.Api.Health;

namespace Btc.Api.Warmup;

public static class WarmupSetup
{
    public static IServiceCollection AddWarmup(this IServiceCollection services)
    {
        services.AddSingleton<WarmupKey>();
        services.AddSingleton<WarmupRun>();
        services.AddHostedService(provider => provider.GetRequiredService<WarmupRun>());
        services.AddHealthChecks().AddCheck<WarmupCheck>("warm-up", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }
}
