using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;
using CoinGecko.Simulator;
using Dapper;

namespace Btc.Tests.Api;

/// <summary>What a page job stores is served on the next request: the API's caches give way to every commit.</summary>
public sealed class FreshnessTests
{
    [Fact]
    public async Task A_sample_stored_by_a_page_job_is_in_the_series_and_in_stock_on_the_next_request()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await using var worker = await WorkerHost.StartAsync(
            db.ConnectionString,
            coinGecko,
            ("CoinGecko:TimeoutSeconds", "10"));
        // The market's clock starts behind the real one, so that moving it on never dates a price in the future.
        await coinGecko.AdvanceAsync(-10);
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var client = api.CreateClient();

        (await client.GetFromJsonAsync<string[]>("/stock")).Should().BeEmpty("nothing is stored yet");

        // One page's call hangs until its attempt times out: the cycle stays open (and no ranks are computed) while
        // the other pages are stored, so only the pages' own commits can make their prices show.
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Timeout, Path: "/simple/price", DelayMs: 30_000));
        worker.TriggerCycle();
        await Eventually.Until(() => FinishedPagesAsync(db), done => done >= 1, CycleProbe.Deadline, "a page stored");
        var before = await NewestSamplesAsync(db);
        var ids = await client.GetFromJsonAsync<string[]>("/stock");
        var coin = before.Keys.Order(StringComparer.Ordinal).First();
        var series = await client.GetFromJsonAsync<double[][]>(
            $"/stock/{Uri.EscapeDataString(coin)}/{before[coin].Currency}");
        var after = await NewestSamplesAsync(db);
        (await new PollCycleStore(db.DataSource).RecentAsync(1))[0]
            .FinishedAt.Should().BeNull("the hanging page keeps the cycle open");

        ids.Should().Contain(before.Keys, "a stored page's coins are listed from its commit on")
            .And.BeSubsetOf(after.Keys);
        series.Should().ContainSingle().Which.Should().Equal(before[coin].UnixSeconds, before[coin].Price);

        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        var first = await NewestSamplesAsync(db);
        ids = await client.GetFromJsonAsync<string[]>("/stock");
        ids.Should().Equal(first.Keys.Order(StringComparer.Ordinal), "every coin with a price in the last 24 hours");
        foreach (var id in ids!)
        {
            var points = await client.GetFromJsonAsync<double[][]>(
                $"/stock/{Uri.EscapeDataString(id)}/{first[id].Currency}");
            points.Should().ContainSingle($"'{id}' is listed by /stock, so it has a series")
                .Which.Should().Equal(first[id].UnixSeconds, first[id].Price);
        }

        await coinGecko.AdvanceAsync(2);
        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        var second = await NewestSamplesAsync(db);
        coin = ids.Last(id => first[id].Currency == "usd" && second[id].Currency == "usd");
        second[coin].UnixSeconds.Should().BeGreaterThan(first[coin].UnixSeconds, "the simulator's clock moved on");
        var latest = await client.GetFromJsonAsync<double[][]>($"/stock/{Uri.EscapeDataString(coin)}/usd");
        latest.Should().HaveCount(2, "the answer cached before the second cycle gave way to it");
        latest![^1].Should().Equal(second[coin].UnixSeconds, second[coin].Price);
    }

    [Fact]
    public async Task Ranks_are_as_of_the_last_completed_cycle_and_say_so()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 300);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        await coinGecko.AdvanceAsync(-10);
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var client = api.CreateClient();

        worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(db, 1);
        await coinGecko.AdvanceAsync(2);
        worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(db, 2);
        var coin = (await client.GetFromJsonAsync<string[]>("/stock"))![0];

        // The recompute that follows the second cycle says so; one that ran while it was storing said the first.
        var asOf = await Eventually.Until(async () =>
            {
                var response = await client.GetAsync(
                    $"/stock/{Uri.EscapeDataString(coin)}/usd/volatility_rank?measure=price_stddev");
                return response.StatusCode == HttpStatusCode.OK
                    ? JsonDocument.Parse(await response.Content.ReadAsStringAsync())
                        .RootElement.GetProperty("as_of").GetDateTime()
                    : (DateTime?)null;
            },
            at => at is { } t && Math.Abs((t - cycle.FinishedAt!.Value).TotalMilliseconds) < 1,
            TimeSpan.FromSeconds(30),
            $"ranks as of the second cycle's finish ({cycle.FinishedAt:O})");
        asOf.Should().NotBeNull();
    }

    private static async Task<int> FinishedPagesAsync(DatabaseFixture db)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM poll_cycle_page WHERE finished_at IS NOT NULL");
    }

    /// <summary>
    /// Each coin's newest sample in the last 24 hours, with a currency it has a price in (usd when it has one).
    /// </summary>
    /// <summary>
    /// Each coin's newest sample, raw or packed: the raw rows first, then every sample decoded, so that one the
    /// worker's compactor packs in between is found in one or the other.
    /// </summary>
    private static async Task<Dictionary<string, (long UnixSeconds, string Currency, double Price)>> NewestSamplesAsync(
        DatabaseFixture db)
    {
        var raw = await NewestInAsync(db, "price_sample");
        await StoredSamples.MaterializeAsync(db.DataSource);
        var all = await NewestInAsync(db, "all_sample");
        foreach (var (id, sample) in raw)
        {
            if (!all.TryGetValue(id, out var packed) || packed.UnixSeconds < sample.UnixSeconds)
                all[id] = sample;
        }
        return all;
    }

    private static async Task<Dictionary<string, (long UnixSeconds, string Currency, double Price)>> NewestInAsync(
        DatabaseFixture db, string table)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Id, long UnixSeconds, string Currency, double Price)>($"""
            SELECT DISTINCT ON (c.id) c.id, extract(epoch FROM p.last_updated_at)::bigint, q.code, q.price
            FROM {table} p JOIN coin c USING (coin_key)
            CROSS JOIN LATERAL (
                SELECT cu.code, (to_jsonb(p) ->> cu.column_name)::float8 AS price
                FROM currency cu
                WHERE to_jsonb(p) ->> cu.column_name IS NOT NULL
                ORDER BY cu.code <> 'usd', cu.currency_key
                LIMIT 1) q
            WHERE p.last_updated_at >= now() - interval '24 hours'
            ORDER BY c.id, p.last_updated_at DESC
            """);
        return rows.ToDictionary(r => r.Id, r => (r.UnixSeconds, r.Currency, r.Price));
    }
}
