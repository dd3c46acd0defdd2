using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Btc.Hosting.Startup;

/// <summary>
/// Waits at start-up for a database that does not accept connections yet: on a fresh host PostgreSQL, the migrator,
/// the workers and the API start together, and the first refusal is no reason to exit.
/// </summary>
public static class DatabaseWait
{
    private const string Setting = "Database:StartupWaitSeconds";
    private static readonly TimeSpan Default = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SayEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Database__StartupWaitSeconds (default 60, 0 = one try), or a start-up failure that says what is wrong.
    /// </summary>
    public static TimeSpan Deadline(IConfiguration configuration)
    {
        var value = configuration[Setting];
        if (value is null)
            return Default;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new StartupException(
                $"Database__StartupWaitSeconds must be a whole number of seconds from 0 to 3600, not '{value}'.");
    }

    /// <summary>
    /// Returns once the database accepts a connection. Says every few seconds what it waits for; after
    /// <paramref name="deadline"/>, or at once when the database refuses us for good (password, unknown database),
    /// throws a <see cref="StartupException"/> whose message is one sentence.
    /// </summary>
    public static async Task UntilReachableAsync(
        string connectionString, TimeSpan deadline, ILogger log, CancellationToken ct = default)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var where = $"{target.Host}:{target.Port}";
        // One attempt must not outlast the deadline by much, nor keep a pooled connection we never use.
        var probe = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Timeout = Math.Clamp(target.Timeout, 1, 5),
        };
        var started = Stopwatch.GetTimestamp();
        TimeSpan? lastSaid = null;
        while (true)
        {
            string reason;
            try
            {
                await using var connection = new NpgsqlConnection(probe.ConnectionString);
                await connection.OpenAsync(ct);
                if (lastSaid is not null)
                    log.LogInformation("The database at {Where} accepts connections", where);
                return;
            }
            catch (Exception e) when (Refusal(e) is { } refused)
            {
                throw new StartupException(
                    $"The database at {where} refuses us ({refused}): check ConnectionStrings__Btc.", e);
            }
            catch (Exception e) when (Unreachable(e) is { } why)
            {
                reason = why;
            }

            var waited = Stopwatch.GetElapsedTime(started);
            if (waited >= deadline)
                throw new StartupException(
                    $"Cannot reach the database at {where} after {deadline.TotalSeconds:0} s ({reason}); is " +
                    "PostgreSQL running and ConnectionStrings__Btc right?");
            if (lastSaid is null || waited - lastSaid >= SayEvery)
            {
                log.LogWarning(
                    "Waiting for the database at {Where} ({Reason}); giving up in {Left:0} s", where, reason,
                    (deadline - waited).TotalSeconds);
                lastSaid = waited;
            }
            await Task.Delay(RetryEvery < deadline - waited ? RetryEvery : deadline - waited, ct);
        }
    }

    /// <summary>Waits for ConnectionStrings:Btc before the host starts, logging through the host's loggers.</summary>
    public static Task WaitForDatabaseAsync(this IHost host, IConfiguration configuration) =>
        UntilReachableAsync(ConnectionStrings.Primary(configuration), Deadline(configuration),
            host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Btc.Database"));

    // Worth waiting for: nothing listens yet, the server is starting or shutting down, the network is slow.
    private static string? Unreachable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException or TimeoutException || e is NpgsqlException { IsTransient: true })
                return e is PostgresException pg ? pg.MessageText : e.Message;
        }
        return null;
    }

    // Not worth waiting for: waiting will not change a wrong password or a database that does not exist.
    private static string? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: "28P01" or "28000" or "3D000" } pg)
                return pg.MessageText;
        }
        return null;
    }
}
