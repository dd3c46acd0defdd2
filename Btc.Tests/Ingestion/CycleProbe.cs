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

    public static Task<int> SampleCountAsync(DatabaseFixture db) => StoredSamples.CountAsync(db.DataSource);

    /// <summary>Samples stored more than once for the same (coin, last_updated_at): always 0.</summary>
    public static Task<int> DuplicateSamplesAsync(DatabaseFixture db) => StoredSamples.DuplicatesAsync(db.DataSource);

    public static Task<IReadOnlyList<string>> StoredCoinIdsAsync(DatabaseFixture db) =>
        StoredSamples.CoinIdsAsync(db.DataSource);

    public static async Task<IReadOnlyList<string>> TrackedIdsAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT id FROM coin WHERE is_tracked ORDER BY id")).AsList();
    }
}
