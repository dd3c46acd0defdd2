using Btc.Hosting.Startup;

namespace Btc.Api.Live;

public static class LiveSetup
{
    /// <summary>The feed that follows the commit cursor, the streams over it, and their caps.</summary>
    public static IServiceCollection AddLive(this IServiceCollection services)
    {
        services.BindValidated<LiveOptions>(LiveOptions.Section);
        services.AddSingleton<StreamLimits>();
        services.AddSingleton<LiveFeed>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveFeed>());
        services.AddSingleton<LiveStreams>();
        return services;
    }
}
