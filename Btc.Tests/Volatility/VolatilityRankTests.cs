using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Data.Polling;
using Btc.Data.Volatility;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Volatility;

public sealed class VolatilityRankTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTime AsOf = new(2026, 11, 20, 15, 37, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Ranks_equal_a_direct_computation_over_the_window_for_both_measures_with_ties_and_too_few_samples()
    {
        var cycleId = await SeedAsync(db);
        var currencies = await new CurrencyStore(db.DataSource).ListAsync();
        var store = new VolatilityStore(db.DataSource);

        var first = await store.RecomputeAsync(currencies, AsOf);
        first.HoursSummarized.Should().Be(23, "every complete hour of the window is summarized once");
        await AssertRanksMatchDirectComputationAsync(db, AsOf);

        // Late samples land in a complete hour already summarized, and the window moves on 10 minutes: only that
        // coin's hour is summarized again, its merged hours rebuilt, and the result equals the direct computation.
        await InsertAsync(db, cycleId, "calm",
        [
            (AsOf.AddHours(-5).AddMinutes(13).AddSeconds(31), 55.5),
            (AsOf.AddHours(-5).AddMinutes(14), 0.001),
        ]);
        var later = AsOf.AddMinutes(10);
        var second = await store.RecomputeAsync(currencies, later);
        (second.HoursSummarized, second.CoinHoursRefreshed).Should().Be((0, 1));
        await AssertRanksMatchDirectComputationAsync(db, later);

        // The window crosses an hour: the hour just completed is summarized, the oldest leaves.
        var nextHour = AsOf.AddMinutes(23);
        var third = await store.RecomputeAsync(currencies, nextHour);
        (third.HoursSummarized, third.CoinHoursRefreshed).Should().Be((1, 0));
        await AssertRanksMatchDirectComputationAsync(db, nextHour);
    }

    [Fact]
    public async Task Ranks_read_from_packed_pieces_equal_those_computed_from_the_raw_samples()
    {
        await using var own = await DatabaseFixture.CreateAsync();
        await SeedAsync(own);
        await using (var connection = await own.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("""
                CREATE TABLE stored_sample AS SELECT * FROM price_sample;
                UPDATE price_series_compaction SET pieces_from = @start, pieces_until = @start;
                """, new { start = AsOf.AddDays(-2) });
        var currencies = await new CurrencyStore(own.DataSource).ListAsync();
        (await new SeriesCompactor(own.DataSource).RunAsync(currencies, TimeSpan.FromMinutes(5)))!
            .CaughtUp.Should().BeTrue();
        await using (var connection = await own.DataSource.OpenConnectionAsync())
            (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM price_sample"))
                .Should().Be(0, "every sample is packed: the ranks read pieces only");

        await new VolatilityStore(own.DataSource).RecomputeAsync(currencies, AsOf);

        await AssertRanksMatchDirectComputationAsync(own, AsOf, "stored_sample");
    }

    private static async Task AssertRanksMatchDirectComputationAsync(
        DatabaseFixture db, DateTime asOf, string samples = "price_sample")
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var window = new { from = asOf.AddHours(-24), to = asOf };
        var direct = new Dictionary<short, List<(int CoinKey, double Volatility, long OutOf)>>
        {
            [(short)VolatilityMeasure.PriceStddev] = (await connection.QueryAsync<(int, double, long)>($"""
                SELECT coin_key, v, count(*) OVER ()
                FROM (SELECT coin_key, stddev_samp(usd) AS v FROM {samples}
                      WHERE last_updated_at >= @from AND last_updated_at < @to AND usd IS NOT NULL
                      GROUP BY coin_key HAVING count(*) >= 2) x
                """, window)).AsList(),
            [(short)VolatilityMeasure.LogReturnStddev] = (await connection.QueryAsync<(int, double, long)>($"""
                SELECT coin_key, v, count(*) OVER ()
                FROM (SELECT coin_key, stddev_samp(r) AS v
                      FROM (SELECT coin_key,
                                   ln(usd) - lag(ln(usd)) OVER (PARTITION BY coin_key ORDER BY last_updated_at) AS r
                            FROM {samples}
                            WHERE last_updated_at >= @from AND last_updated_at < @to AND usd > 0) returns
                      GROUP BY coin_key HAVING count(r) >= 2) x
                """, window)).AsList(),
        };

        var stored = (await connection
            .QueryAsync<(short Measure, int CoinKey, double Volatility, int Rank, int OutOf, DateTime AsOf)>("""
                SELECT r.measure, r.coin_key, r.volatility[c.currency_key], r.rank[c.currency_key], k.out_of, k.as_of
                FROM volatility_rank r JOIN currency c ON c.code = 'usd'
                JOIN volatility_ranking k ON k.currency_key = c.currency_key AND k.measure = r.measure
                WHERE r.rank[c.currency_key] IS NOT NULL
                """)).AsList();

        foreach (var (measure, expected) in direct)
        {
            var actual = stored.Where(s => s.Measure == measure).ToDictionary(s => s.CoinKey);
            actual.Keys.Should().BeEquivalentTo(expected.Select(e => e.CoinKey),
                $"measure {measure} ranks the same coins");
            foreach (var e in expected)
            {
                var a = actual[e.CoinKey];
                a.Volatility.Should().BeApproximately(e.Volatility, Math.Abs(e.Volatility) * 1e-9 + 1e-15);
                // Identical series must tie; a direct aggregate may differ from itself in the last bits
                // (row order), so its ranks are read with that tolerance.
                var expectedRank = 1 + expected.Count(o => o.Volatility > e.Volatility * (1 + 1e-12));
                a.Rank.Should().Be(expectedRank, $"coin {e.CoinKey} in measure {measure}");
                a.OutOf.Should().Be((int)e.OutOf);
                a.AsOf.Should().Be(asOf);
            }
        }
        var twins = await connection.QueryAsync<int>("SELECT coin_key FROM coin WHERE id LIKE 'twin-%'");
        foreach (var measure in direct.Keys)
        {
            var ranks = stored.Where(s => s.Measure == measure).ToArray();
            ranks.Where(r => twins.Contains(r.CoinKey))
                .Select(r => r.Rank).Distinct().Should().ContainSingle("identical series tie");
            var tied = ranks.First(r => twins.Contains(r.CoinKey)).Rank;
            ranks.Should().NotContain(r => r.Rank == tied + 1, "a tie of two skips the next rank (1, 2, 2, 4)");
        }
    }

    /// <summary>
    /// Coins on very different price scales, irregular sample times across the window and past both edges,
    /// two identical series (a tie), a coin with two samples, one with a zero price, one outside the window.
    /// </summary>
    private static async Task<int> SeedAsync(DatabaseFixture db)
    {
        string[] ids = ["calm", "wild", "twin-a", "twin-b", "tiny", "two-samples", "zero-price", "gone"];
        var coins = new CoinStore(db.DataSource);
        await coins.UpsertListAsync(ids.Select(id => new CoinListEntry(id, id, id)).ToArray());
        var tracked = await coins.SetTrackedAsync(ids);
        var cycleId = (await new PollCycleStore(db.DataSource).CreateAsync("seed", AsOf, [tracked]));

        var random = new Random(7);
        var start = AsOf.AddHours(-26);
        var walks = new[] { ("calm", 90_000.0, 7, 0.001), ("wild", 0.01, 5, 0.05), ("tiny", 3e-7, 11, 0.02) };
        foreach (var (id, scale, step, sigma) in walks)
        {
            var points = new List<(DateTime, double)>();
            var price = scale;
            for (var t = start.AddSeconds(random.Next(60));
                 t < AsOf.AddMinutes(40);
                 t = t.AddMinutes(step).AddSeconds(random.Next(-20, 20)))
                points.Add((t, price *= Math.Exp(sigma * (random.NextDouble() - 0.5))));
            await InsertAsync(db, cycleId, id, points);
        }
        var twin = new List<(DateTime, double)>();
        var p = 1_000.0;
        for (var t = start.AddMinutes(3); t < AsOf.AddMinutes(10); t = t.AddMinutes(13))
            twin.Add((t, p *= Math.Exp(0.3 * (random.NextDouble() - 0.5))));
        await InsertAsync(db, cycleId, "twin-a", twin);
        await InsertAsync(db, cycleId, "twin-b", twin);
        await InsertAsync(db, cycleId, "two-samples", [(AsOf.AddHours(-3), 5), (AsOf.AddHours(-2), 6)]);
        await InsertAsync(db, cycleId, "zero-price",
        [
            (AsOf.AddHours(-20), 2),
            (AsOf.AddHours(-10), 0),
            (AsOf.AddHours(-9), 3),
            (AsOf.AddHours(-1), 2.5),
            (AsOf.AddMinutes(-30), 2.7),
        ]);
        await InsertAsync(db, cycleId, "gone",
            [(AsOf.AddHours(-30), 1), (AsOf.AddHours(-29), 2), (AsOf.AddHours(-28), 3)]);
        return cycleId;
    }

    private static Task InsertAsync(
        DatabaseFixture db, int cycleId, string id, IReadOnlyList<(DateTime At, double Usd)> points) =>
        Samples.InsertAsync(db.DataSource, cycleId, id, points);
}
