using Btc.Api.Access;
using Btc.Api.Hosting;
using Btc.Hosting.Startup;

// The REST API and the Hangfire dashboard over the workers' database. Runs no Hangfire server.
return await StartupError.RunAsync("Btc.Api", async () =>
{
    if (args is ["keys", .. var keyArgs])
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().Build();
        return await KeysCommand.RunAsync(keyArgs, configuration, Console.Out, Console.Error);
    }
    var builder = WebApplication.CreateBuilder(args);
    builder.AddBtcApi();
    var app = builder.Build().ValidateSettings();
    app.UseBtcApi();
    await app.WaitForDatabaseAsync(builder.Configuration);
    await app.RunAsync();
    return 0;
});
