using Btc.Hosting.Startup;
using Btc.Worker.Hosting;

namespace Btc.Worker;

// A Hangfire server: polls CoinGecko every minute and stores the prices. Run as many replicas as you like.
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        try
        {
            var builder = Host.CreateApplicationBuilder(args);
            builder.AddBtcWorker();
            using var host = builder.Build().ValidateSettings();
            await host.WaitForDatabaseAsync(builder.Configuration);
            await host.RunAsync();
            return 0;
        }
        catch (Exception e) when (StartupError.IsBadSetting(e))
        {
            // A bad setting is a sentence for the person who set it, not a stack trace.
            Console.Error.WriteLine($"Btc.Worker cannot start: {StartupError.Describe(e)}");
            return 1;
        }
    }
}
