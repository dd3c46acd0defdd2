using Npgsql;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Btc.Hosting.Scheduling;

/// <summary>
/// Hangfire's storage on our database (schema "hangfire"), configured the same in the worker and the API.
/// </summary>
public static class HangfireStorage
{
    public const string Schema = "hangfire";

    /// <summary>
    /// A storage instance for dependency injection. Hangfire's AddHangfire would otherwise take the static
    /// JobStorage.Current, which is the last one configured in the process, not necessarily this host's.
    /// </summary>
    public static JobStorage Create(string connectionString)
    {
        var options = Options();
        // Hangfire keeps a pool of its own: its idle connections are pinged for the reason Btc.Data's are (see
        // BtcConnectionString.WithKeepAlive): after a database restart a dead pooled connection would fail a job.
        var keptAlive = new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 2 }.ConnectionString;
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(keptAlive, options), options);
    }

    /// <summary>
    /// The settings the worker and the API give Hangfire: job serialization, and logging through the host.
    /// </summary>
    public static IGlobalConfiguration UseBtcSettings(
        this IGlobalConfiguration configuration, IServiceProvider services) =>
        configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogs(services.GetRequiredService<ILoggerFactory>()));

    private static PostgreSqlStorageOptions Options() => new()
    {
        SchemaName = Schema,
        // Btc.Migrations installs Hangfire's schema before any service starts; preparing it here would connect
        // while the storage is built, before the service has waited for the database.
        PrepareSchemaIfNecessary = false,
        // The default 15 s poll would leave page jobs waiting for a quarter of the one-minute cycle.
        QueuePollInterval = TimeSpan.FromSeconds(1),
        // Without it a job running longer than the invisibility timeout is handed to a second worker. With it, a
        // running job's fetch is renewed every fifth of the timeout, so the timeout can be short: a killed worker's
        // jobs are fetched again after a minute (and a page by then superseded stores nothing).
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = TimeSpan.FromMinutes(1),
        // A killed replica's locks would otherwise block the others for the default 10 minutes.
        DistributedLockTimeout = TimeSpan.FromMinutes(1),
    };
}
