using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Btc.Tests.Infrastructure;

/// <summary>The real Btc.Api on a test database, with a clock the test sets and a remote address it chooses.</summary>
public sealed class ApiFactory(
    string connectionString,
    TimeProvider clock,
    params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
{
    /// <summary>Requests carrying this header appear to come from that address.</summary>
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Btc", connectionString);
        builder.UseSetting("Dashboard:Password", "s3cret-pass");
        // Tests come from one address and some ask many times; the rate limit's own tests set it.
        builder.UseSetting("Api:RequestsPerSecond", "0");
        // Disposing a factory stops its host: no balancer is watching its readiness, so no drain to wait out.
        builder.UseSetting("Api:DrainSeconds", "0");
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            // BTC_TEST_LOGS=1 shows the API's log when a test needs looking into.
            if (Environment.GetEnvironmentVariable("BTC_TEST_LOGS") == "1")
                logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        });
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(clock);
            services.AddSingleton<IStartupFilter, RemoteAddressStartupFilter>();
        });
    }

    private sealed class RemoteAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(
                    context.Request.Headers[RemoteAddressHeader].FirstOrDefault() ?? "127.0.0.1");
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>A clock that stands still where the test puts it.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
