using Btc.Data.Freshness;
using Dapper;
using Npgsql;

namespace Btc.Data.History;

/// <summary>The daily partitions of price_sample: created ahead of time, dropped by retention.</summary>
public sealed class PricePartitions(NpgsqlDataSource db)
{
    /// <summary>
    /// Ensures a partition for every UTC day from <paramref name="first"/> to <paramref name="last"/>.
    /// </summary>
    /// <returns>How many were created.</returns>
    public async Task<int> EnsureAsync(DateOnly first, DateOnly last, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT count(*) FILTER (WHERE ensure_price_sample_partition(d::date))::int
            FROM generate_series(@first::date, @last::date, interval '1 day') d
            """, new { first, last }, cancellationToken: ct));
    }

    /// <summary>
    /// Drops every sample (and series piece) older than <paramref name="day"/> (UTC), but none of a day not rolled
    /// up into bars yet; returns the partitions dropped.
    /// </summary>
    public async Task<int> DropBeforeAsync(DateOnly day, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var dropped = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH cut AS (SELECT least(@day, bars_until) AS day FROM price_history),
                 moved AS (UPDATE price_history SET minutes_from = greatest(minutes_from, (SELECT day FROM cut)))
            SELECT drop_price_sample_partitions_before((SELECT day FROM cut))
            """, new { day }, cancellationToken: ct));
        if (dropped > 0)
            await DataChanges.NotifyAsync(connection, ct);
        return dropped;
    }
}
