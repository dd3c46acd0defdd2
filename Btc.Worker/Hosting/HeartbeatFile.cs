using Btc.Data.Polling;

namespace Btc.Worker.Hosting;

/// <summary>
/// Touches a file while the database answers, for a container healthcheck: the worker serves no HTTP.
/// On when Worker__HeartbeatFile names the file.
/// </summary>
public sealed class HeartbeatFile(IConfiguration configuration, PollCycleStore cycles, ILogger<HeartbeatFile> log)
    : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = configuration["Worker:HeartbeatFile"];
        if (string.IsNullOrWhiteSpace(path))
            return;
        using var timer = new PeriodicTimer(Every);
        do
        {
            try
            {
                await cycles.RecentAsync(1, stoppingToken);
                await File.WriteAllTextAsync(path, DateTime.UtcNow.ToString("O"), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Heartbeat skipped: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
