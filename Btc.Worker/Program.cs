using Btc.Worker.Hosting;

// A Hangfire server: polls CoinGecko every minute and stores the prices. Run as many replicas as you like.
var builder = Host.CreateApplicationBuilder(args);
builder.AddBtcWorker();
builder.Build().Run();
