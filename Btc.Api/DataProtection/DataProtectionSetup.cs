using Btc.Data.DataProtection;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Btc.Api.DataProtection;

public static class DataProtectionSetup
{
    /// <summary>
    /// ASP.NET Core's Data Protection (the dashboard's antiforgery tokens) on one key ring in PostgreSQL for every
    /// replica, under one application name, so that a token one replica issues another accepts, also after all of
    /// them restarted. The keys are stored unencrypted (docs/operations.md).
    /// </summary>
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services)
    {
        // First among the hosted services: before the framework's own reads the ring (and would make a key).
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, FirstKey>());
        services.AddDataProtection().SetApplicationName("btc");
        services.AddOptions<KeyManagementOptions>().Configure<KeyRingStore>(
            (options, store) => options.XmlRepository = new KeyRingRepository(store));
        return services;
    }
}
