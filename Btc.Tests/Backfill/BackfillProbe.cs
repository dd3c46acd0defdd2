using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;
using Dapper;

namespace Btc.Tests.Backfill;

/// <summary>Reads gap filling's ledger and points, for assertions.</summary>
internal static class BackfillProbe
{
    public sealed record Gap(int GapId, string Kind, DateTime FromAt, DateTime UntilAt);

    public sealed record TaskRow(int GapId, string CoinId, DateTime? DoneAt, int Points, int Calls, int Attempts);

    public sealed record Fill(string CoinId, DateTime At, double Price);

    public static async Task<IReadOnlyList<Gap>> GapsAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Gap>(
            "SELECT gap_id AS GapId, kind AS Kind, from_at AS FromAt, until_at AS UntilAt "
                + "FROM backfill_gap ORDER BY gap_id"))
                .AsList();
    }

    public static async Task<IReadOnlyList<TaskRow>> TasksAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<TaskRow>("""
            SELECT t.gap_id AS GapId, c.id AS CoinId, t.done_at AS DoneAt,
                   t.points AS Points, t.calls AS Calls, t.attempts AS Attempts
            FROM backfill_task t JOIN coin c USING (coin_key) ORDER BY t.gap_id, c.id
            """)).AsList();
    }

    public static async Task<IReadOnlyList<Fill>> FillsAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Fill>("""
            SELECT c.id AS CoinId, f.at AS At, f.price AS Price
            FROM price_fill f JOIN coin c USING (coin_key) JOIN currency k USING (currency_key)
            WHERE k.code = 'usd' ORDER BY c.id, f.at
            """)).AsList();
    }

    /// <summary>
    /// What the simulator's walk says <paramref name="coinId"/> cost in usd at its update at <paramref name="at"/>.
    /// </summary>
    public static double? WalkAt(Simulator coinGecko, string coinId, DateTime at)
    {
        var market = coinGecko.Market;
        var coin = market.Find(coinId)!;
        var (lastMinute, lastAt) = market.LastUpdate(coin, market.Now);
        var offset = lastAt.ToUnixTimeSeconds() - lastMinute * 60;
        var seconds = new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeSeconds() - offset;
        if (seconds % 60 != 0)
            return null; // not an update instant of this coin
        var minute = seconds / 60;
        return market.History(coin, "usd", minute, minute, 1).Select(p => (double?)p.Price).FirstOrDefault();
    }

    public static int ChartCalls(IEnumerable<SimulatorCall> calls) =>
        calls.Count(c => c.Path.EndsWith("/market_chart/range", StringComparison.Ordinal));
}
