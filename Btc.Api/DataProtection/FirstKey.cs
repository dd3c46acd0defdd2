using Btc.Data.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Btc.Api.DataProtection;

/// <summary>
/// Makes the key ring's first key (or a new one when none is usable now, after a long stop) under a lock every
/// replica takes, before ASP.NET Core reads the ring. Left to the framework, replicas starting together would each
/// make one, and each keep a ring without the others' for up to a day: a token from one refused by another. Later
/// keys are made by the framework two days before they are needed, and every replica reads the ring at least daily,
/// so all know them in time.
/// </summary>
public sealed class FirstKey(
    KeyRingStore store, IKeyManager keys, IOptions<KeyManagementOptions> options, ILogger<FirstKey> log)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.UnderFirstKeyLockAsync(() =>
            {
                // The framework's own clock: the key must be active by its reckoning.
                var now = DateTimeOffset.UtcNow;
                if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
                    keys.CreateNewKey(now, now + options.Value.NewKeyLifetime);
            }, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            log.LogWarning(
                "The shared key ring could not be read at start ({Reason}); the dashboard's key is made when first " +
                "needed", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
