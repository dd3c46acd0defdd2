using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Dapper;
using Btc.Data.History;
using Btc.Data.Budget;

namespace Btc.Tests.Schema;

public sealed class PriceSampleTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTime Now = DateTime.UtcNow;

    [Fact]
    public async Task The_same_sample_inserted_twice_is_stored_once()
    {
        var (coinKey, cycleId) = await SetUpAsync("twice-coin", DateTime.UtcNow.AddMinutes(-10));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        const string insert = "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd) " +
                              "VALUES (@coinKey, @cycleId, @at, 1.5) ON CONFLICT DO NOTHING";
        var at = Now.AddMinutes(-5);

        var first = await connection.ExecuteAsync(insert, new { coinKey, cycleId, at });
        var second = await connection.ExecuteAsync(insert, new { coinKey, cycleId, at });

        (first, second).Should().Be((1, 0));
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM price_sample WHERE coin_key = @coinKey", new { coinKey })).Should().Be(1);
    }

    [Fact]
    public async Task A_sample_without_conflict_handling_is_rejected_as_a_duplicate()
    {
        var (coinKey, cycleId) = await SetUpAsync("strict-coin", DateTime.UtcNow.AddMinutes(-11));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        const string insert =
            "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at) VALUES (@coinKey, @cycleId, @at)";
        var at = Now.AddMinutes(-3);
        await connection.ExecuteAsync(insert, new { coinKey, cycleId, at });

        var again = () => connection.ExecuteAsync(insert, new { coinKey, cycleId, at });

        (await again.Should().ThrowAsync<Npgsql.PostgresException>()).Which.SqlState.Should().Be("23505");
    }

    [Fact]
    public async Task A_currency_added_after_the_migrations_is_stored_and_read_back()
    {
        var (coinKey, cycleId) = await SetUpAsync("new-currency-coin", DateTime.UtcNow.AddMinutes(-12));
        var currencies = new CurrencyStore(db.DataSource);
        (await currencies.AddMissingAsync(["usd", "NEWC", "zzz"])).Should().BeEquivalentTo("newc", "zzz");
        var all = await currencies.ListAsync();
        var newc = all.Single(c => c.Code == "newc");
        var at = Now.AddMinutes(-2);
        var prices = all.Select(c => c.Code switch { "newc" => 42.25, "usd" => 7.0, _ => (double?)null }).ToArray();

        var result = await new PriceSampleStore(db.DataSource).StorePageAsync(
            cycleId, 0, all, [new PriceSample(coinKey, at, prices)], new PageCounts(0));

        result.RowsStored.Should().Be(1);
        var series = await new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource))
            .SeriesAsync(coinKey, newc, at.AddMinutes(-1), at.AddMinutes(1));
        series.Should().ContainSingle().Which.Price.Should().Be(42.25);
        var zzz = all.Single(c => c.Code == "zzz");
        (await new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource))
            .SeriesAsync(coinKey, zzz, at.AddMinutes(-1), at.AddMinutes(1))).Should().BeEmpty();
    }

    [Fact]
    public async Task
        A_sample_older_than_every_partition_lands_in_the_default_partition_and_moves_when_its_day_is_created()
    {
        var (coinKey, cycleId) = await SetUpAsync("old-coin", DateTime.UtcNow.AddMinutes(-13));
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var at = new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        await connection.ExecuteAsync(
            "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd) VALUES (@coinKey, @cycleId, @at, 3)",
            new { coinKey, cycleId, at });
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_sample_default")).Should().Be(1);

        (await new PricePartitions(db.DataSource).EnsureAsync(new DateOnly(2021, 3, 4), new DateOnly(2021, 3, 4)))
            .Should().Be(1);

        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_sample_default")).Should().Be(0);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM price_sample_20210304")).Should().Be(1);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM price_sample WHERE coin_key = @coinKey", new { coinKey })).Should().Be(1);
    }

    [Fact]
    public async Task A_page_that_races_another_writer_for_a_sample_stores_the_rest_and_counts_that_one_as_stale()
    {
        var tracked = await TrackAsync("race-a", "race-b");
        var cycleId = (await new PollCycleStore(db.DataSource)
            .CreateAsync("test-race", DateTime.UtcNow.AddMinutes(-14), [tracked]));
        var currencies = await new CurrencyStore(db.DataSource).ListAsync();
        var at = Now.AddMinutes(-1);
        var prices = currencies.Select(c => c.Code == "usd" ? 2.5 : (double?)null).ToArray();

        // Another writer has inserted race-a's sample and not committed: the page's check cannot see it, so its
        // COPY waits on the key, then fails when the other commits.
        await using var other = await db.DataSource.OpenConnectionAsync();
        await using var otherTx = await other.BeginTransactionAsync();
        await other.ExecuteAsync(
            "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd) VALUES (@coinKey, @cycleId, @at, 2.5)",
            new { coinKey = tracked[0].CoinKey, cycleId, at }, otherTx);
        var page = new PriceSampleStore(db.DataSource).StorePageAsync(cycleId, 0, currencies,
            [new PriceSample(tracked[0].CoinKey, at, prices), new PriceSample(tracked[1].CoinKey, at, prices)],
            new PageCounts(0));
        await using var watcher = await db.DataSource.OpenConnectionAsync();
        await Eventually.Until(
            () => watcher.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM pg_stat_activity " +
                "WHERE wait_event_type = 'Lock' AND query LIKE 'COPY price_sample%'"),
            waiting => waiting == 1, TimeSpan.FromSeconds(30), "the page's COPY to wait on the other writer");
        await otherTx.CommitAsync();

        (await page).Should().Be(new PageResult(1, 1, Closed: false));
        var cycles = new PollCycleStore(db.DataSource);
        (await cycles.TryFinishAsync(cycleId)).Should().BeTrue();
        var cycle = await cycles.GetAsync(cycleId);
        (cycle!.RowsStored, cycle.Stale, cycle.PagesDone, cycle.FinishedAt is not null).Should().Be((1, 1, 1, true));
        (await watcher.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM price_sample WHERE cycle_id = @cycleId", new { cycleId })).Should().Be(2);
    }

    [Fact]
    public async Task A_cycle_is_finished_once_by_the_first_page_to_see_no_page_open()
    {
        var tracked = await TrackAsync("finish-a", "finish-b");
        var cycles = new PollCycleStore(db.DataSource);
        var cycleId = (await cycles.CreateAsync(
            "test-finish", DateTime.UtcNow.AddMinutes(-15), [[tracked[0]], [tracked[1]]]));
        var currencies = await new CurrencyStore(db.DataSource).ListAsync();
        var store = new PriceSampleStore(db.DataSource);
        var prices = currencies.Select(c => c.Code == "usd" ? 1.0 : (double?)null).ToArray();

        // Calls are counted as the budget grants them: the coin list's one, page 0's one, page 1's two.
        var budget = new CallBudget(db.DataSource);
        var sources = new CallSource[] { new(cycleId, null), new(cycleId, 0), new(cycleId, 1), new(cycleId, 1) };
        foreach (var source in sources)
            (await budget.TryTakeAsync(new CallLimits(10_000, null), source, DateTime.UtcNow))
                .Granted.Should().BeTrue();
        await store.StorePageAsync(cycleId, 0, currencies,
            [new PriceSample(tracked[0].CoinKey, Now.AddMinutes(-7), prices)], new PageCounts(0));
        var afterFirst = await cycles.TryFinishAsync(cycleId);
        await store.StorePageAsync(cycleId, 1, currencies,
            [new PriceSample(tracked[1].CoinKey, Now.AddMinutes(-7), prices)], new PageCounts(1));
        var concurrently = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => cycles.TryFinishAsync(cycleId)));

        afterFirst.Should().BeFalse("page 1 is still open");
        concurrently.Count(finished => finished).Should().Be(1);
        var cycle = await cycles.GetAsync(cycleId);
        (cycle!.PagesDone, cycle.RowsStored, cycle.Skipped, cycle.CallsUsed).Should()
            .Be((2, 2, 1, 4), "totals are the pages' plus the coin list's calls");
    }

    [Fact]
    public async Task Pages_stored_at_once_are_each_counted_with_their_stale_samples()
    {
        var tracked = await TrackAsync(Enumerable.Range(0, 30).Select(i => $"group-{i:D2}").ToArray());
        var pages = tracked.Chunk(3).Select(p => (IReadOnlyList<TrackedCoin>)p).ToArray();
        var cycles = new PollCycleStore(db.DataSource);
        var cycleId = (await cycles.CreateAsync("test-group", DateTime.UtcNow.AddMinutes(-16), pages));
        var currencies = await new CurrencyStore(db.DataSource).ListAsync();
        var store = new PriceSampleStore(db.DataSource);
        var at = Now.AddMinutes(-8);
        PriceSample Sample(TrackedCoin coin) => new(coin.CoinKey, at,
            currencies.Select(c => c.Code == "eur" ? coin.CoinKey * 1.5 : (double?)null).ToArray());
        // Each page's first coin was stored by an earlier cycle: that sample is stale.
        await using (var connection = await db.DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync(
                "INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, eur) " +
                "SELECT unnest(@keys), @cycleId, @at, 0",

                new { keys = pages.Select(p => p[0].CoinKey).ToArray(), cycleId, at });

        var results = await Task.WhenAll(pages.Select((page, p) =>
            store.StorePageAsync(cycleId, p, currencies, page.Select(Sample).ToArray(), new PageCounts(0))));

        results.Should().AllBeEquivalentTo(new PageResult(2, 1, Closed: false));
        (await cycles.TryFinishAsync(cycleId)).Should().BeTrue();
        var cycle = await cycles.GetAsync(cycleId);
        (cycle!.PagesDone, cycle.RowsStored, cycle.Stale).Should().Be((10, 20, 10));
        var eur = currencies.Single(c => c.Code == "eur");
        (await new SeriesReader(db.DataSource, new CurrencyStore(db.DataSource))
                .SeriesAsync(tracked[4].CoinKey, eur, at.AddMinutes(-1), at.AddMinutes(1)))
            .Should().ContainSingle()
            .Which.Price.Should().Be(tracked[4].CoinKey * 1.5);

    }

    /// <summary>Lists the coins and makes them the tracked set.</summary>
    private async Task<IReadOnlyList<TrackedCoin>> TrackAsync(params string[] ids)
    {
        var coins = new CoinStore(db.DataSource);
        await coins.UpsertListAsync(ids.Select(id => new CoinListEntry(id, id, id)).ToArray());
        return await coins.SetTrackedAsync(ids);
    }

    private async Task<(int CoinKey, int CycleId)> SetUpAsync(string coinId, DateTime minute)
    {
        var tracked = await TrackAsync(coinId);
        var cycleId = await new PollCycleStore(db.DataSource).CreateAsync($"test-{coinId}", minute, [tracked]);
        return (tracked[0].CoinKey, cycleId);
    }
}
