using System.Net;
using System.Net.Sockets;
using Btc.Hosting.Scheduling;
using Btc.Hosting.Jobs;
using Btc.Data.Polling;
using Dapper;
using Hangfire;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// Full poll cycles, trigger to last row committed, by a worker process against the simulator over HTTP.
/// </summary>
public static class CycleBenchmark
{
    public static async Task RunAsync(string connectionString, Report report)
    {
        var simulatorPort = FreePort();
        using var simulator = ChildProcess.Start(ChildProcess.Dll("tools/CoinGecko.Simulator"),
            ["--urls", $"http://127.0.0.1:{simulatorPort}", "--Simulator:Coins=15000",
                "--Logging:LogLevel:Default=Warning"],
            new Dictionary<string, string>());
        await ChildProcess.WaitForHttpAsync($"http://127.0.0.1:{simulatorPort}/api/v3/ping", TimeSpan.FromSeconds(60));

        await using var db = NpgsqlDataSource.Create(connectionString);
        foreach (var (label, mode) in new[] { ("1,000 tracked coins", "Edges"), ("all 15,000 coins", "All") })
        {
            using var worker = ChildProcess.Start(ChildProcess.Dll("Btc.Worker"), [], new Dictionary<string, string>
            {
                ["ConnectionStrings__Btc"] = connectionString,
                ["CoinGecko__BaseUrl"] = $"http://127.0.0.1:{simulatorPort}/api/v3",
                ["CoinGecko__CallsPerMinute"] = "100000",
                ["Polling__Cron"] = "0 0 1 1 *",
                ["Polling__PollOnStart"] = "false",
                // Measures cycles alone.
                ["Backfill__OnFirstStart"] = "false",
                ["Polling__Mode"] = mode,
                ["Logging__LogLevel__Default"] = "Warning",
            });
            await UntilAsync(db, "SELECT count(*) FROM hangfire.hash WHERE key = 'recurring-job:poll-cycle'");
            var before = await ScalarAsync(db, "SELECT coalesce(max(cycle_id), 0) FROM poll_cycle");

            var cpu = worker.CpuTime;
            new RecurringJobManager(HangfireStorage.Create(connectionString)).Trigger(RecurringJobIds.PollCycle);
            await UntilAsync(
                db,
                $"SELECT count(*) FROM poll_cycle WHERE cycle_id > {before} AND finished_at IS NOT NULL");
            cpu = worker.CpuTime - cpu;

            var cycleId = (int)await ScalarAsync(db, $"SELECT min(cycle_id) FROM poll_cycle WHERE cycle_id > {before}");
            var cycle = (await new PollCycleStore(db).GetAsync(cycleId))!;
            var (seconds, rows, calls) = (
                (cycle.FinishedAt!.Value - cycle.ScheduledFor).TotalSeconds,
                cycle.RowsStored,
                cycle.CallsUsed);
            report.Add($"poll cycle, {label}: trigger to last row committed ({calls} calls)", seconds, "s");
            report.Add(
                $"poll cycle, {label}: worker CPU per 1,000 rows stored",
                cpu.TotalMilliseconds / Math.Max(1, rows) * 1000,
                "ms");
            report.Add($"poll cycle, {label}: worker peak RSS", worker.PeakRssMiB, "MiB");
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private static async Task UntilAsync(NpgsqlDataSource db, string countSql)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (await ScalarAsync(db, countSql) == 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited 3 minutes for: {countSql}");
            await Task.Delay(50);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
