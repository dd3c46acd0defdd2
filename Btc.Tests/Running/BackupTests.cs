using System.Diagnostics;
using System.Net.Http.Json;
using Btc.LocalPostgres;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using Dapper;
using Npgsql;

namespace Btc.Tests.Running;

/// <summary>
/// The README's backup commands, run: a dump of a running database restores into one the API serves the same from.
/// </summary>
[Trait("Category", "Faults")]
public sealed class BackupTests
{
    [Fact]
    public async Task A_dump_of_a_running_database_restores_into_one_that_answers_the_same_series_and_ranks()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        await coinGecko.AdvanceAsync(-10);
        foreach (var cycle in new[] { 1, 2, 3 })
        {
            worker.TriggerCycle();
            await CycleProbe.WaitForFinishedCycleAsync(db, cycle);
            await coinGecko.AdvanceAsync(1);
        }
        await using var original = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var before = original.CreateClient();
        var coin = Uri.EscapeDataString((await before.GetFromJsonAsync<string[]>("/stock"))![0]);
        string[] paths = ["/stock", $"/stock/{coin}/usd", $"/stock/{coin}/eur", "/cycles?count=10"];
        await Eventually.Until(() => before.GetAsync($"/stock/{coin}/usd/volatility_rank"), r => r.IsSuccessStatusCode,
            CycleProbe.Deadline, "the ranks after the third cycle");
        paths = [.. paths, $"/stock/{coin}/usd/volatility_rank",
            $"/stock/{coin}/usd/volatility_rank?measure=price_stddev"];

        // While the worker runs, as in production: pg_dump reads one consistent snapshot.
        var dump = Path.Combine(Path.GetTempPath(), $"btc-{Guid.NewGuid():N}.dump");
        await RunAsync("pg_dump", "--format=custom", $"--file={dump}", $"--dbname={Libpq(db.ConnectionString)}");
        var restored = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            await RunAsync("pg_restore", "--no-owner", $"--dbname={Libpq(restored)}", dump);
            await using var copy = new ApiFactory(restored, TimeProvider.System);
            using var after = copy.CreateClient();
            foreach (var path in paths)
                (await after.GetStringAsync(path)).Should().Be(await before.GetStringAsync(path),
                    $"{path} answers the same from the restored database");
            await using var restoredDb = NpgsqlDataSource.Create(restored);
            (await StoredSamples.CountAsync(restoredDb)).Should().Be(await CycleProbe.SampleCountAsync(db));
        }
        finally
        {
            File.Delete(dump);
            await TestPostgres.DropDatabaseAsync(restored);
        }
    }

    private static string Libpq(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"host={b.Host} port={b.Port} user={b.Username} dbname={b.Database}";
    }

    private static async Task RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(PostgresCluster.Tool(tool), args)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        process.ExitCode.Should().Be(0, $"{tool} failed: {await errors}");
    }
}
