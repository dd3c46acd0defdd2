using System.Globalization;
using Btc.Data.Polling;
using Btc.Tests.Infrastructure;
using CoinGecko.Simulator;
using Dapper;

namespace Btc.Tests.Ingestion;

/// <summary>
/// CoinGecko talking nonsense: nothing half-written, nothing invalid stored, and /cycles says what was refused.
/// </summary>
[Trait("Category", "Faults")]
public sealed class BadDataTests
{
    private const string PricePath = "/simple/price";

    [Theory]
    [InlineData("<html><body>Cloudflare: checking your browser</body></html>")]
    [InlineData("{\"bitcoin\": {\"usd\": 6718")]
    [InlineData("{\"bitcoin\": {\"usd\": \"n/a\", \"last_updated_at\": 1711356300}}")]
    [InlineData("{\"bitcoin\": {\"usd\": NaN, \"last_updated_at\": 1711356300}}")]
    [
        InlineData(
            "{\"bitcoin\": {\"usd\": 1.5, \"last_updated_at\": 1711356300}, \"bitcoin\": {\"usd\": 2.5, "
                + "\"last_updated_at\": 1711356300}}")]
    public async Task An_answer_that_is_not_the_expected_JSON_refuses_the_page_whole_and_its_retry_stores_it(
        string body)
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Body, Path: PricePath, Body: body));

        worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        (cycle.Outcome, cycle.Errors).Should().Be(("complete", 1),
            "the first attempt failed whole, the retry stored the page");
        cycle.RowsStored.Should().Be(coinGecko.Market.Coins.Count(c => c.Kind is CoinKind.Live or CoinKind.Partial));
        (await CycleProbe.SampleCountAsync(db)).Should().Be(cycle.RowsStored,
            "nothing of the refused answer was written");
    }

    [Fact]
    public async Task Coins_whose_answer_is_nonsense_are_refused_with_the_reason_and_the_others_stored()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        await using var coinGecko = await Simulator.StartAsync(coins: 100);
        await using var worker = await WorkerHost.StartAsync(db.ConnectionString, coinGecko);
        var ids = coinGecko.Market.Coins.Select(c => c.Id).Order(StringComparer.Ordinal).Take(5).ToArray();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Quote(string usd, long at) =>
            $"{{\"usd\": {usd}, \"eur\": 1.5, \"last_updated_at\": {at.ToString(CultureInfo.InvariantCulture)}}}";
        var body = $$"""
            {
              "{{ids[0]}}": {{Quote("-5", now - 30)}},
              "{{ids[1]}}": {{Quote("1e300", now - 30)}},
              "{{ids[2]}}": {{Quote("2.5", now + 7200)}},
              "{{ids[3]}}": {{Quote("2.5", 0)}},
              "{{ids[4]}}": {{Quote("0.000123", now - 30)}},
              "not-asked-for": {{Quote("9", now - 30)}}
            }
            """;
        await coinGecko.AddFaultAsync(new Fault(FaultKind.Body, Path: PricePath, Body: body));

        worker.TriggerCycle();
        var cycle = await CycleProbe.WaitForFinishedCycleAsync(db, 1);

        (cycle.Outcome, cycle.RowsStored, cycle.Refused, cycle.Errors).Should().Be(("complete", 1, 4, 0));
        cycle.Refusal.Should().Contain($"'{ids[0]}': usd price -5 is not a price").And.Contain("is not a price")
            .And.Contain("and 1 more").And.Contain("1 id(s) not asked for, ignored");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.QueryAsync<string>("SELECT c.id FROM price_sample p JOIN coin c USING (coin_key)"))
            .Should().Equal([ids[4]], "only the coin whose answer made sense reaches the series and the ranks");
    }
}
