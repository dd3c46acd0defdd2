using Btc.Data.Currencies;
using Btc.Data.Prices;
using Dapper;
using Npgsql;

namespace Btc.Data.Volatility;

/// <summary>
/// Volatility ranks over the last 24 hours, kept in volatility_rank. A recompute reads per-hour partial
/// aggregates (price_hour_stats) for the complete hours inside the window and raw samples only for the two
/// partial hours at its edges, then merges them with Chan's formula: the cost stays near one hour of samples
/// instead of twenty-four, and results equal a direct computation over the window.
/// </summary>
public sealed class VolatilityStore(NpgsqlDataSource db)
{
    public async Task<RecomputeResult> RecomputeAsync(IReadOnlyList<Currency> currencies, DateTime asOf, CancellationToken ct = default)
    {
        var windowStart = asOf - PriceWindow.Day;
        var fullFrom = CeilingHour(windowStart);
        var fullTo = FloorHour(asOf);
        var unpivot = Unpivot(currencies);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One recompute at a time: two would each delete the other's freshly inserted ranks.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext('volatility_rank'))", transaction: tx, cancellationToken: ct));

        var dirty = (await connection.QueryAsync<(long Mark, DateTime Hour)>(new CommandDefinition(
            "SELECT mark, hour FROM price_hour_dirty WHERE hour < @fullTo", new { fullTo }, tx, cancellationToken: ct))).AsList();
        var hours = dirty.Select(d => d.Hour).Where(h => h >= fullFrom).Distinct().ToArray();
        if (hours.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition($"""
                DELETE FROM price_hour_stats WHERE hour = ANY(@hours);
                INSERT INTO price_hour_stats (coin_key, currency_key, hour, n, mean, m2, lp_n, first_lp, last_lp, r_n, r_mean, r_m2)
                {SegmentStats(unpivot, "date_trunc('hour', p.last_updated_at, 'UTC')",
                    "p.last_updated_at >= @lo AND p.last_updated_at < @hi AND date_trunc('hour', p.last_updated_at, 'UTC') = ANY(@hours)")};
                """, new { hours, lo = hours.Min(), hi = hours.Max().AddHours(1) }, tx, commandTimeout: 300, cancellationToken: ct));
        }

        var ranks = await connection.ExecuteScalarAsync<int>(new CommandDefinition($"""
            -- Marks seen here are done; a mark added since stays for the next recompute.
            DELETE FROM price_hour_dirty WHERE mark = ANY(@marks);
            DELETE FROM price_hour_stats WHERE hour < @fullFrom;
            DELETE FROM volatility_rank;
            WITH seg AS (
                SELECT coin_key, currency_key, hour AS seg, n, mean, m2, lp_n, first_lp, last_lp, r_n, r_mean, r_m2
                FROM price_hour_stats WHERE hour >= @fullFrom AND hour < @fullTo
                UNION ALL
                {SegmentStats(unpivot, "CASE WHEN p.last_updated_at < @fullFrom THEN @windowStart ELSE @fullTo END",
                    "((p.last_updated_at >= @windowStart AND p.last_updated_at < @fullFrom) OR (p.last_updated_at >= @fullTo AND p.last_updated_at < @asOf))")}
            ), linked AS (
                -- The return from one segment's last positive price to the next segment's first.
                SELECT *, CASE WHEN lp_n > 0 THEN first_lp - lag(last_lp) OVER (PARTITION BY coin_key, currency_key, lp_n > 0 ORDER BY seg) END AS link
                FROM seg
            ), total AS (
                SELECT coin_key, currency_key, sum(n) AS n, sum(n * mean) / sum(n) AS mean, sum(lp_n) AS lp_n,
                       sum(r_n) + count(link) AS r_n,
                       (sum(r_n * r_mean) + coalesce(sum(link), 0)) / nullif(sum(r_n) + count(link), 0) AS r_mean
                FROM linked GROUP BY coin_key, currency_key
            ), merged AS (
                -- Chan et al.: M2 = sum of the parts' M2 + sum of n_i (mean_i - mean)^2; each link is a part of one.
                SELECT l.coin_key, l.currency_key, t.n, t.lp_n, t.r_n,
                       sum(l.m2 + l.n * (l.mean - t.mean) ^ 2) AS m2,
                       sum(l.r_m2 + l.r_n * (l.r_mean - coalesce(t.r_mean, 0)) ^ 2) + coalesce(sum((l.link - t.r_mean) ^ 2), 0) AS r_m2
                FROM linked l JOIN total t USING (coin_key, currency_key)
                GROUP BY l.coin_key, l.currency_key, t.n, t.lp_n, t.r_n
            ), measured AS (
                SELECT coin_key, currency_key, 1::smallint AS measure, sqrt(r_m2 / (r_n - 1)) AS volatility FROM merged WHERE lp_n >= 3
                UNION ALL
                SELECT coin_key, currency_key, 2::smallint, sqrt(m2 / (n - 1)) FROM merged WHERE n >= 2
            ), ins AS (
                INSERT INTO volatility_rank (currency_key, measure, coin_key, volatility, rank, out_of, as_of)
                SELECT currency_key, measure, coin_key, volatility,
                       rank() OVER (PARTITION BY currency_key, measure ORDER BY volatility DESC),
                       count(*) OVER (PARTITION BY currency_key, measure), @asOf
                FROM measured
                RETURNING 1
            )
            SELECT count(*)::int FROM ins;
            """,
            new
            {
                marks = dirty.Select(d => d.Mark).ToArray(),
                fullFrom, fullTo, windowStart, asOf,
            }, tx, commandTimeout: 300, cancellationToken: ct));

        await tx.CommitAsync(ct);
        return new RecomputeResult(asOf, hours.Length, ranks);
    }

    public async Task<VolatilityRank?> FindAsync(int coinKey, short currencyKey, VolatilityMeasure measure, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VolatilityRank>(new CommandDefinition("""
            SELECT rank AS Rank, out_of AS OutOf, volatility AS Volatility, as_of AS AsOf
            FROM volatility_rank WHERE coin_key = @coinKey AND currency_key = @currencyKey AND measure = @measure
            """, new { coinKey, currencyKey, measure = (short)measure }, cancellationToken: ct));
    }

    /// <summary>
    /// Per (coin, currency, segment): count, mean and M2 of the prices; count, first and last ln(price) of the
    /// positive ones; count, mean and M2 of the log returns between consecutive positive prices. The last
    /// ln(price) is the first plus the returns' sum (they telescope), which saves a second sort.
    /// </summary>
    private static string SegmentStats(string unpivot, string segment, string range) => $"""
        SELECT coin_key, currency_key, seg,
               count(*)::int AS n, avg(price) AS mean, coalesce(var_pop(price), 0) * count(*) AS m2,
               count(lp)::int AS lp_n, max(first_lp) AS first_lp, max(first_lp) + coalesce(sum(ret), 0) AS last_lp,
               count(ret)::int AS r_n, coalesce(avg(ret), 0) AS r_mean, coalesce(var_pop(ret), 0) * count(ret) AS r_m2
        FROM (
            SELECT coin_key, currency_key, seg, price, lp,
                   lp - lag(lp) OVER w AS ret,
                   CASE WHEN lp IS NOT NULL THEN first_value(lp) OVER w END AS first_lp
            FROM (
                SELECT p.coin_key, v.currency_key, {segment} AS seg, p.last_updated_at, v.price,
                       CASE WHEN v.price > 0 THEN ln(v.price) END AS lp
                FROM price_sample p {unpivot}
                WHERE {range} AND v.price IS NOT NULL
            ) s
            WINDOW w AS (PARTITION BY coin_key, currency_key, seg, lp IS NULL ORDER BY last_updated_at)
        ) r
        GROUP BY coin_key, currency_key, seg
        """;

    private static string Unpivot(IReadOnlyList<Currency> currencies) =>
        "CROSS JOIN LATERAL (VALUES " +
        string.Join(", ", currencies.Select(c => $"({c.CurrencyKey}::smallint, p.{c.PriceExpression})")) +
        ") AS v(currency_key, price)";

    private static DateTime FloorHour(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);

    private static DateTime CeilingHour(DateTime t) => t.Ticks % TimeSpan.TicksPerHour == 0 ? t : FloorHour(t).AddHours(1);
}
