using Btc.Worker.Hosting;

namespace Btc.Worker;

// A Hangfire server: polls CoinGecko every minute and stores the prices. Run as many replicas as you like.
internal static class Program
{
    private static void Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddBtcWorker();
        builder.Build().Run();
    }
}
