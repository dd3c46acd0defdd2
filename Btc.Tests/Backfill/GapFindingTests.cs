using Btc.Data.Backfill;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Backfill;

/// <summary>What counts as a gap, from the cycles' own record.</summary>
public sealed class GapFindingTests
{
    private static readonly TimeSpan Minimum = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Gaps_are_spans_between_polling_cycles_found_once_and_an_outage_before_the_horizon_starts_at_it()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var keys = await SeedCoinsAsync(db, "alpha", "beta");
        var now = DateTime.UtcNow;
        var horizon = now.Date.AddDays(-7);
        // Polled before the horizon, then nothing until two hours ago; then every minute but for a 4-minute hole
        // (too short), a 20-minute hole, and one minute whose cycle failed (its coin list) in the middle of it.
        await PolledAsync(db, horizon.AddDays(-2));
        for (var m = 120; m >= 0; m--)
        {
            if (m is < 100 and > 95 || m is < 60 and > 40)
                continue;
            await PolledAsync(db, now.AddMinutes(-m));
        }
        await FailedAsync(db, now.AddMinutes(-50));
        var store = new BackfillStore(db.DataSource);

        (await store.FindGapsAsync(horizon, Minimum, firstDay: true, keys)).Should().Be(3);
        (await store.FindGapsAsync(horizon, Minimum, firstDay: true, keys)).Should().Be(0, "a span is recorded once");

        var gaps = await BackfillProbe.GapsAsync(db);
        gaps.Should().HaveCount(3).And.OnlyContain(g => g.Kind == "outage",
            "an install with history gets no first day");
        // The week-long outage from the horizon on, its last 23 hours apart (5-minute points for them).
        gaps[0].FromAt.Should().Be(horizon);
        gaps[0].UntilAt.Should().BeCloseTo(now.AddMinutes(-120).AddHours(-23), TimeSpan.FromMilliseconds(1));
        gaps[1].FromAt.Should().Be(gaps[0].UntilAt);
        gaps[1].UntilAt.Should().BeCloseTo(now.AddMinutes(-120), TimeSpan.FromMilliseconds(1));
        gaps[2].FromAt.Should().BeCloseTo(now.AddMinutes(-60), TimeSpan.FromMilliseconds(1));
        gaps[2].UntilAt.Should().BeCloseTo(now.AddMinutes(-40), TimeSpan.FromMilliseconds(1));
        (await BackfillProbe.TasksAsync(db)).Should().HaveCount(6, "two tracked coins in three gaps, one currency");
    }

    [Fact]
    public async Task A_cadence_stretched_by_the_month_or_a_coarse_schedule_is_no_gap_but_a_longer_wait_is()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var keys = await SeedCoinsAsync(db, "alpha");
        var now = DateTime.UtcNow;
        // Every 48 minutes, as a demo key's month stretches the default schedule; then a wait of 60 minutes.
        foreach (var minutesAgo in new[] { 300, 252, 204, 156, 108, 60, 0 })
            await PolledAsync(db, now.AddMinutes(-minutesAgo), cadenceSeconds: 48 * 60);
        var store = new BackfillStore(db.DataSource);

        (await store.FindGapsAsync(now.Date.AddDays(-7), Minimum, firstDay: false, keys)).Should().Be(1);
        var gap = (await BackfillProbe.GapsAsync(db)).Should().ContainSingle().Subject;
        gap.FromAt.Should().BeCloseTo(now.AddMinutes(-60), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_new_install_gets_the_day_before_its_first_cycle_once_and_only_when_asked()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var keys = await SeedCoinsAsync(db, "alpha");
        var first = DateTime.UtcNow.AddMinutes(-3);
        await PolledAsync(db, first);
        var store = new BackfillStore(db.DataSource);

        (await store.FindGapsAsync(first.Date.AddDays(-7), Minimum, firstDay: false, keys)).Should().Be(0);
        (await store.FindGapsAsync(first.Date.AddDays(-7), Minimum, firstDay: true, keys)).Should().Be(1);
        (await store.FindGapsAsync(first.Date.AddDays(-7), Minimum, firstDay: true, keys)).Should().Be(0);

        var gap = (await BackfillProbe.GapsAsync(db)).Should().ContainSingle().Subject;
        gap.Kind.Should().Be("first-day");
        gap.UntilAt.Should().BeCloseTo(first, TimeSpan.FromMilliseconds(1));
        (gap.UntilAt - gap.FromAt).Should().Be(TimeSpan.FromDays(1));
    }

    private static async Task<short[]> SeedCoinsAsync(DatabaseFixture db, params string[] ids)
    {
        var coins = new CoinStore(db.DataSource);
        await coins.UpsertListAsync(ids.Select(id => new CoinListEntry(id, id, id)).ToArray());
        await coins.SetTrackedAsync(ids);
        return [(await new CurrencyStore(db.DataSource).ListAsync()).Single(c => c.Code == "usd").CurrencyKey];
    }

    private static async Task PolledAsync(DatabaseFixture db, DateTime at, int cadenceSeconds = 60)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            WITH c AS (
                INSERT INTO poll_cycle (trigger_id, scheduled_for, finished_at, cadence_seconds)
                VALUES (gen_random_uuid()::text, @at, @at, @cadenceSeconds) RETURNING cycle_id)
            INSERT INTO poll_cycle_page (cycle_id, page_no, coin_keys, finished_at) SELECT cycle_id, 0, '{}', @at FROM c
            """, new { at, cadenceSeconds });
    }

    private static async Task FailedAsync(DatabaseFixture db, DateTime at)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO poll_cycle (trigger_id, scheduled_for, finished_at, last_error)
            VALUES (gen_random_uuid()::text, @at, @at, 'The coin list failed')
            """, new { at });
    }
}
