using Btc.Data.Backfill;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Prices;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Backfill;

/// <summary>
/// A task is held by one replica at a time, and a replica that dies holding one leaves it to the others.
/// </summary>
public sealed class BackfillClaimTests
{
    [Fact]
    public async Task A_held_task_is_skipped_by_others_a_dead_holder_s_task_is_taken_again_and_its_points_stored_once()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var coins = new CoinStore(db.DataSource);
        await coins.UpsertListAsync([new CoinListEntry("alpha", "a", "Alpha"), new CoinListEntry("beta", "b", "Beta")]);
        await coins.SetTrackedAsync(["alpha", "beta"]);
        var usd = (await new CurrencyStore(db.DataSource).ListAsync()).Single(c => c.Code == "usd").CurrencyKey;
        var now = DateTime.UtcNow;
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                WITH g AS (
                    INSERT INTO backfill_gap (kind, from_at, until_at) VALUES ('outage', @from, @until)
                    RETURNING gap_id)
                INSERT INTO backfill_task (gap_id, coin_key, currency_key)
                SELECT g.gap_id, c.coin_key, @usd FROM g, coin c
                """, new { from = now.AddMinutes(-30), until = now.AddMinutes(-5), usd });
        }
        var store = new BackfillStore(db.DataSource);
        var horizon = now.Date.AddDays(-7);
        var at = new DateTimeOffset(now.AddMinutes(-20)).ToUnixTimeSeconds();

        var first = (await store.ClaimAsync(horizon))!;
        var second = (await store.ClaimAsync(horizon))!;
        second.Item.CoinId.Should().NotBe(first.Item.CoinId, "a task another replica holds is skipped");
        (await store.ClaimAsync(horizon)).Should().BeNull("both are held");

        // The first holder dies before storing (its connection goes with it); the second stores its points.
        await first.DisposeAsync();
        (await second.CompleteAsync([new PricePoint(at, 2.0)], calls: 1)).Should().Be(1);
        await second.DisposeAsync();

        await using var again = (await store.ClaimAsync(horizon))!;
        again.Item.CoinId.Should().Be(first.Item.CoinId, "the dead holder's task is to do again");
        (await again.CompleteAsync([new PricePoint(at, 1.0), new PricePoint(at - 1800, 9.0)], calls: 1)).Should().Be(1,
            "a point outside the gap is left out");
        (await store.ClaimAsync(horizon)).Should().BeNull("every task is done");

        await using var check = await db.DataSource.OpenConnectionAsync();
        (await check.ExecuteScalarAsync<int>("SELECT count(*)::int FROM price_fill")).Should().Be(2);
        (await check.ExecuteScalarAsync<int>("SELECT sum(calls)::int FROM backfill_task")).Should().Be(2);
    }
}
