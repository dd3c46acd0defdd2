using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Ingestion;

/// <summary>Reads what the worker wrote, for assertions.</summary>
internal static class CycleProbe
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<PollCycle> WaitForFinishedCycleAsync(DatabaseFixture db, int number)
    {
        var cycles = new PollCycleStore(db.DataSource);
        var finished = await Eventually.Until(
            async () =>
                (await cycles.RecentAsync(100)).Where(c => c.FinishedAt is not null).OrderBy(c => c.CycleId).ToArray(),
            c => c.Length >= number, Deadline, $"{number} finished poll cycle(s)");
        return finished[number - 1];
    }

    public static async Task<int> SampleCountAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_sample");
    }

    /// <summary>Samples stored more than once for the same (coin, last_updated_at): always 0.</summary>
    public static async Task<int> DuplicateSamplesAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT (count(*) - count(DISTINCT (coin_key, last_updated_at)))::int FROM price_sample");
    }

    public static async Task<IReadOnlyList<string>> StoredCoinIdsAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(
            "SELECT DISTINCT c.id FROM price_sample p JOIN coin c USING (coin_key)")).AsList();
    }

    public static async Task<IReadOnlyList<string>> TrackedIdsAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT id FROM coin WHERE is_tracked ORDER BY id")).AsList();
    }
}
