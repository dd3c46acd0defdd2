using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// What a series read costs the database when nothing is cached: the shared buffers (hit + read) the API's own
/// statement touches for the 24 hours of (coin, currency) pairs picked at random, from EXPLAIN (ANALYZE, BUFFERS).
/// Buffers, not times: a buffer hit now is a random disk read once the data outgrows memory. The statement reads the
/// coin's pieces and raw rows only: the quarters' rates the pieces are decoded with are read once per process and kept
/// (RateStore), so they cost no buffers here, as in the API.
/// </summary>
public static class ColdSeriesBenchmark
{
    private const int Reads = 200;

    public static async Task BuffersAsync(NpgsqlDataSource db, IReadOnlyList<TrackedCoin> coins, Report report)
    {
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null).ToArray();
        var random = new Random(7);
        var to = DateTime.UtcNow;
        var buffers = new List<long>();
        var reader = new SeriesReader(db, new CurrencyStore(db));
        await using var connection = await db.OpenConnectionAsync();
        // The first reads of a session load catalog entries (~25 buffers), as a pooled connection did long ago.
        for (var i = -3; i < Reads; i++)
        {
            var (sql, parameters) = await reader.QueryAsync(
                coins[random.Next(coins.Count)].CoinKey,
                currencies[random.Next(currencies.Length)],
                to.AddHours(-24),
                to);
            await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", connection);
            explain.Parameters.AddRange(parameters);
            var statementBuffers = PlanBuffers.Of((string)(await explain.ExecuteScalarAsync())!);
            if (i >= 0)
                buffers.Add(statementBuffers);
        }
        buffers.Sort();
        var prefix = $"series read, 24 h of a random (coin, currency), {coins.Count:N0} coins: shared buffers";
        report.Add($"{prefix}, median of {Reads}", buffers[Reads / 2], "buffers");
        report.Add($"{prefix}, most", buffers[^1], "buffers", "≤ 100", buffers[^1] <= 100);
    }
}
