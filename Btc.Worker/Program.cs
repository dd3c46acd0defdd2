using Btc.Hosting.Startup;
using Btc.Worker.Hosting;

namespace Btc.Worker;

// A Hangfire server: polls CoinGecko every minute and stores the prices. Run as many replicas as you like.
internal static class Program
{
    private static Task<int> Main(string[] args) => StartupError.RunAsync("Btc.Worker", async () =>
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddBtcWorker();
        using var host = builder.Build().ValidateSettings();
        await host.WaitForDatabaseAsync(builder.Configuration);
        await host.RunAsync();
        return 0;
    });
}
