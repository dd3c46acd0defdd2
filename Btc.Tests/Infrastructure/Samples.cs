using Dapper;
using Npgsql;

namespace Btc.Tests.Infrastructure;

/// <summary>
/// Writes price samples straight into the tables, marking their hours for the rank recompute as the worker does.
/// </summary>
public static class Samples
{
    public static async Task InsertAsync(
        NpgsqlDataSource db,
        int cycleId,
        string coinId,
        IEnumerable<(DateTime At, double? Usd, double? Eur)> points)
    {
        var list = points.ToArray();
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd, eur)
            SELECT (SELECT coin_key FROM coin WHERE id = @coinId), @cycleId, t, u, e
            FROM unnest(@at, @usd, @eur) AS x(t, u, e);
            INSERT INTO price_hour_dirty (hour, coin_keys)
            SELECT DISTINCT date_trunc('hour', t, 'UTC'), ARRAY[(SELECT coin_key FROM coin WHERE id = @coinId)]
            FROM unnest(@at) AS t;
            """, new
            {
                coinId,
                cycleId,
                at = list.Select(p => p.At).ToArray(),
                usd = list.Select(p => p.Usd).ToArray(),
                eur = list.Select(p => p.Eur).ToArray(),
            });
    }

    public static Task InsertAsync(
        NpgsqlDataSource db,
        int cycleId,
        string coinId,
        IEnumerable<(DateTime At, double Usd)> points) =>
        InsertAsync(db, cycleId, coinId, points.Select(p => (p.At, (double?)p.Usd, (double?)null)));
}
