using Btc.Tests.Infrastructure;
using Btc.Worker.Polling;
using CoinGecko.Simulator;
using Dapper;

namespace Btc.Tests.Ingestion;

public sealed class PollCycleTests
{
    [Fact]
    public async Task One_cycle_stores_exactly_the_first_and_last_500_ids_in_code_point_order()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 1_300);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);

        worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        var sorted = coinGecko.Market.Coins.Select(c => c.Id).Order(StringComparer.Ordinal).ToArray();
        var expected = sorted[..500].Concat(sorted[^500..]).ToArray();
        // The list must tell code-point order from culture-aware order (which ignores case and punctuation
        // such as the leading hyphen of "-2"), or this test proves nothing.
        var cultureAware = coinGecko.Market.Coins.Select(c => c.Id)
            .OrderBy(id => new string(id.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant(),
                StringComparer.Ordinal)
            .ToArray();
        expected.Should().NotBeEquivalentTo(cultureAware[..500].Concat(cultureAware[^500..]));
        expected.Should().Contain(["-2", "0-knowledge-network", "01coin", "1move token"]);

        (await CycleProbe.TrackedIdsAsync(db)).Should().BeEquivalentTo(expected);
        // Dead coins answer with a price years old, past retention: skipped, like coins with no answer.
        var priced = coinGecko.Market.Coins
            .Where(c => expected.Contains(c.Id) && c.Kind is CoinKind.Live or CoinKind.Partial)
            .Select(c => c.Id);
        (await CycleProbe.StoredCoinIdsAsync(db)).Should().BeEquivalentTo(priced);
        cycle.CoinsRequested.Should().Be(1_000);
        cycle.Pages.Should().Be(10);
        cycle.RowsStored.Should().Be(priced.Count());
        cycle.Skipped.Should().Be(1_000 - priced.Count());
        cycle.CallsUsed.Should().Be(11);
        cycle.Errors.Should().Be(0);
    }

    [Fact]
    public async Task Polling_again_with_unchanged_last_updated_at_adds_no_rows_and_a_new_one_adds_one_row_per_coin()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);

        worker.TriggerCycle();
        var first = await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        var afterFirst = await CycleProbe.SampleCountAsync(db);

        worker.TriggerCycle();
        var second = await CycleProbe.WaitForFinishedCycleAsync(db, 2);

        (await CycleProbe.SampleCountAsync(db)).Should().Be(afterFirst);
        second.RowsStored.Should().Be(0);
        second.Stale.Should().Be(first.RowsStored);

        await coinGecko.AdvanceAsync(minutes: 1);
        worker.TriggerCycle();
        var third = await CycleProbe.WaitForFinishedCycleAsync(db, 3);

        var live = coinGecko.Market.Coins.Count(c => c.Kind is CoinKind.Live or CoinKind.Partial);
        third.RowsStored.Should().Be(live);
        third.Stale.Should().Be(0, "a dead coin's years-old price is past retention: skipped, not stored");
        (await CycleProbe.SampleCountAsync(db)).Should().Be(afterFirst + live);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM price_sample WHERE last_updated_at < now() - interval '8 days'"))
            .Should().Be(0,
                "nothing past retention is ever stored, so a restart's maintenance never drops and re-stores it");
    }

    [Fact]
    public async Task Every_price_is_stored_in_its_currency_and_a_missing_or_null_currency_is_stored_as_null()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 200);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);

        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        var partial = coinGecko.Market.Coins.First(c => c.Kind == CoinKind.Partial);
        var live = coinGecko.Market.Coins.First(c => c.Kind == CoinKind.Live);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        const string sql = "SELECT p.usd, p.eur FROM price_sample p JOIN coin c USING (coin_key) WHERE c.id = @id";
        var (liveUsd, liveEur) = await connection.QuerySingleAsync<(double?, double?)>(sql, new { id = live.Id });
        var (partialUsd, _) = await connection.QuerySingleAsync<(double?, double?)>(sql, new { id = partial.Id });
        liveUsd.Should().BePositive();
        liveEur.Should().BePositive();
        partialUsd.Should().BeNull("the simulator never prices partial coins in usd");
    }
}
