using Btc.Data.Replicas;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Btc.Data.Freshness;

/// <summary>
/// The channel on which writers of what the API serves (a page's prices, the ranks, retention) say that they
/// committed, and the API's listener on it. The API keys its caches on <see cref="Version"/>, which moves with every
/// such commit, so a page's prices are served as soon as the notice arrives (a millisecond after its commit) while a
/// repeated request never leaves the process. The same connection hears the other API replicas' stream counts
/// (<see cref="ReplicaRegistry.Channel"/>), which move no version.
/// </summary>
public sealed class DataChanges(string connectionString, ILogger<DataChanges> log) : BackgroundService
{
    private const string Channel = "btc_data_changed";
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    private long _version;
    private volatile bool _listening;

    /// <summary>
    /// Moves on with every change, and whenever notices may have been missed (the listener reconnected).
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// Raised with every notice, and when notices may have been missed (the listener reconnected): it wakes the live
    /// streams' reader, which then reads the commit cursor.
    /// </summary>
    public event Action? Changed;

    /// <summary>
    /// Raised with the payload of every notice on <see cref="ReplicaRegistry.Channel"/> (a replica's stream count);
    /// missed ones are not raised again: the replicas' heartbeats carry the counts too.
    /// </summary>
    public event Action<string>? StreamsNoticed;

    /// <summary>Whether notices arrive: while they do not, nothing served may be taken from a cache.</summary>
    public bool Listening => _listening;

    /// <summary>
    /// Says that a change was committed. Called after the commit, on its own: a notice inside the transaction
    /// would make every writer's commit queue on PostgreSQL's one notify lock.
    /// </summary>
    public static Task NotifyAsync(NpgsqlConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition($"NOTIFY {Channel}", cancellationToken: ct));

    private void OnChanged()
    {
        Interlocked.Increment(ref _version);
        Changed?.Invoke();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own connection, outside the pool: a pooled one would go back to the pool still listening. The
        // keepalive makes a connection that died quietly (a database restart, a dropped network) fail the wait.
        var listener =
            new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 10 }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(listener);
                connection.Notification += (_, notice) =>
                {
                    if (notice.Channel == ReplicaRegistry.Channel)
                        StreamsNoticed?.Invoke(notice.Payload);
                    else
                        OnChanged();
                };
                await connection.OpenAsync(stoppingToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    $"LISTEN {Channel}; LISTEN {ReplicaRegistry.Channel}", cancellationToken: stoppingToken));
                // Changes committed while nobody listened are not announced again.
                OnChanged();
                _listening = true;
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (_listening)
                    log.LogWarning(
                        "Lost the notices of data changes ({Reason}); answers are not cached until they are back",
                        e.Message);
                _listening = false;
                await Task.Delay(RetryEvery, stoppingToken);
            }
            finally
            {
                _listening = false;
            }
        }
    }
}
