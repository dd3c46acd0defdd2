using Dapper;
using Npgsql;

namespace Btc.Data.History.Bars;

/// <summary>
/// Drops hour bars past their retention; day bars are kept for good. price_rate is kept: the hour bars still kept are
/// predicted from it (day bars are not), and nothing deletes it (~0.3 GB a year).
/// </summary>
public sealed class BarRetention(NpgsqlDataSource db)
{
    /// <summary>
    /// Drops the hour bars of days before <paramref name="day"/> that day bars summarize already; returns the rows
    /// dropped.
    /// </summary>
    public async Task<int> DropHourBarsBeforeAsync(DateOnly day, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH cut AS (SELECT least(@day, bars_until) AS day FROM price_history),
                 dropped AS (DELETE FROM price_bars_hour WHERE day < (SELECT day FROM cut) RETURNING 1),
                 -- Currencies added later, and days not converted to price_bars_hour yet.
                 dropped_old AS (DELETE FROM price_bar_hour WHERE day < (SELECT day FROM cut) RETURNING 1),
                 moved AS (UPDATE price_history SET hours_from = greatest(hours_from, (SELECT day FROM cut)))
            SELECT ((SELECT count(*) FROM dropped) + (SELECT count(*) FROM dropped_old))::int
            """, new { day }, cancellationToken: ct));
    }
}
