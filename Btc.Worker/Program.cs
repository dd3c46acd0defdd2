using Btc.Data.Hosting;
using Btc.Worker.Hosting;

namespace Btc.Worker;

// A Hangfire server: polls CoinGecko every minute and stores the prices. Run as many replicas as you like.
internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            var builder = Host.CreateApplicationBuilder(args);
            builder.AddBtcWorker();
            builder.Build().ValidateSettings().Run();
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
