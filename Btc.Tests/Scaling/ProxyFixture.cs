using Btc.Tests.Live;

namespace Btc.Tests.Scaling;

/// <summary>
/// The live streams' database, simulator and worker (to commit prices), and three API replicas behind Caddy.
/// </summary>
public sealed class ProxyFixture : LiveFixture
{
    public ApiReplicas Replicas { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Replicas = await ApiReplicas.StartAsync(ConnectionString, 3);
    }

    public override async Task DisposeAsync()
    {
        Replicas?.Dispose();
        await base.DisposeAsync();
    }
}
