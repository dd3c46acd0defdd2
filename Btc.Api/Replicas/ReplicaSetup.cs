using Btc.Api.DataProtection;
using Btc.Data;
using Btc.Data.DataProtection;
using Btc.Data.Replicas;
using Btc.Hosting.Startup;
using Npgsql;

namespace Btc.Api.Replicas;

public static class ReplicaSetup
{
    /// <summary>The key of the small pool on the primary for what replicas agree on.</summary>
    internal const string Coordination = "coordination";

    /// <summary>
    /// What makes API replicas behave as one: the registry of live replicas that the limits divide by, and the
    /// shared key ring. Both on the primary (they write) through a pool of their own, so that a heartbeat never
    /// waits behind requests for a connection and is taken for a dead replica.
    /// </summary>
    public static IServiceCollection AddReplicas(this IServiceCollection services, IConfiguration configuration)
    {
        var primary = new NpgsqlConnectionStringBuilder(ConnectionStrings.Primary(configuration))
        {
            MaxPoolSize = 3,
        }.ConnectionString;
        services.AddKeyedSingleton(Coordination, (provider, _) =>
            BtcConnectionString.CreateDataSource(primary, provider.GetService<ILoggerFactory>()));
        services.AddSingleton(provider =>
            new ReplicaRegistry(provider.GetRequiredKeyedService<NpgsqlDataSource>(Coordination)));
        services.AddSingleton(provider =>
            new KeyRingStore(provider.GetRequiredKeyedService<NpgsqlDataSource>(Coordination)));
        services.AddSingleton<ReplicaView>();
        services.AddHostedService<ReplicaHeartbeat>();
        services.AddSharedDataProtection();
        return services;
    }
}
