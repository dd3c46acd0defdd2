using System.Security.Cryptography;
using Btc.Data;
using Btc.Data.Hangfire;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Btc.Api.Dashboard;

public static class DashboardSetup
{
    /// <summary>Hangfire on the workers' storage, for the dashboard only: the API runs no Hangfire server.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.Section)
            .PostConfigure(options =>
            {
                if (!string.IsNullOrEmpty(options.Password))
                    return;
                options.Password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('/', '-').Replace('+', '_');
                options.PasswordGenerated = true;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<DashboardAccessFilter>();
        // With it registered, the dashboard checks a token on every action it posts (delete, requeue, trigger), so a
        // page on another origin cannot make a signed-in browser press its buttons.
        services.AddAntiforgery();
        var connectionString = BtcConnectionString.From(configuration);
        services.AddSingleton(_ => HangfireStorage.Create(connectionString));
        services.AddHangfire((provider, hangfire) => hangfire.UseBtcSettings(provider));
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new Hangfire.DashboardOptions
        {
            Authorization = [app.Services.GetRequiredService<DashboardAccessFilter>()],
            DashboardTitle = "BTC jobs",
            AppPath = "/",
        });

        var options = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        if (options.PasswordGenerated)
        {
            // A fresh start is usable from other machines and still not open to them; the password goes to a file
            // only its user can read, never to the log (logs are shipped, kept and shown to more people than it should).
            File.WriteAllText(options.PasswordFile, options.Password);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(options.PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            app.Logger.LogWarning(
                "Hangfire dashboard at /hangfire: user '{User}', password generated at start-up in {PasswordFile} (set Dashboard__Password to choose one)",
                options.Username, options.PasswordFile);
        }
        return app;
    }
}
