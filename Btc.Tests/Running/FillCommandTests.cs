using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Running;

/// <summary>
/// The benchmark's fill command: a database as hours of the worker's operation would leave it, or one sentence.
/// </summary>
public sealed class FillCommandTests
{
    [Fact]
    public async Task Fill_writes_every_minute_of_every_coin_ranks_them_and_the_API_serves_the_series()
    {
        await using var db = await DatabaseFixture.CreateAsync();

        var (exit, stdout, stderr) = await FillProcess.RunAsync(
            "--coins", "20", "--hours", "2", "--connection", db.ConnectionString);

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("Wrote 2,400 price samples: 20 coins × 2 h");
        await StoredSamples.MaterializeAsync(db.DataSource);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM coin WHERE is_tracked")).Should().Be(20);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(DISTINCT date_trunc('minute', last_updated_at))::int FROM all_sample"))
            .Should().Be(120);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM all_sample")).Should().Be(2400);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM volatility_rank")).Should().Be(40,
            "two measures for each of the 20 coins");

        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var http = api.CreateClient();
        var id = await connection.ExecuteScalarAsync<string>(
            "SELECT id FROM coin WHERE is_tracked ORDER BY id LIMIT 1");
        var series = await http.GetAsync($"/stock/{Uri.EscapeDataString(id!)}/usd");
        series.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await series.Content.ReadAsStringAsync())
            .RootElement.GetArrayLength().Should().BeInRange(119, 120);
        (await http.GetAsync($"/stock/{Uri.EscapeDataString(id!)}/usd/volatility_rank"))
            .StatusCode.Should().Be(HttpStatusCode.OK);

        var again = await FillProcess.RunAsync("--coins", "20", "--hours", "2", "--connection", db.ConnectionString);
        (again.Exit, again.Stderr.Trim()).Should().Be(
            (
                2,
                $"The database {connection.Database} already holds price samples: fill writes into an empty BTC "
                    + "database only (create a new one)."));
    }

    [Fact]
    public async Task Fill_with_days_writes_a_year_of_day_bars_per_coin_that_the_API_serves_with_consistent_OHLC()
    {
        await using var db = await DatabaseFixture.CreateAsync();

        var (exit, stdout, stderr) = await FillProcess.RunAsync(
            "--coins", "20", "--hours", "2", "--days", "365", "--connection", db.ConnectionString);

        exit.Should().Be(0, stderr);
        stdout.Should()
            .Contain("Wrote 365 days before them as bars: day bars for every day, hour bars for the last 30");
        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var http = api.CreateClient();
        var ids = (await http.GetFromJsonAsync<string[]>("/stock"))!;
        ids.Should().HaveCount(20);
        var firstMinute = (await http.GetFromJsonAsync<double[][]>($"/stock/{Uri.EscapeDataString(ids[0])}/usd"))!;
        var until = DateTimeOffset.FromUnixTimeSeconds((long)firstMinute[0][0]).UtcDateTime.Date;
        var untilUnix = new DateTimeOffset(until).ToUnixTimeSeconds();
        foreach (var id in ids)
        {
            var bars = (await http.GetFromJsonAsync<double[][]>(
                $"/stock/{Uri.EscapeDataString(id)}/usd?from={untilUnix - 365 * 86_400}&to={untilUnix}"
                    + "&interval=day&fields=ohlc"))!;
            bars.Select(b => (long)b[0]).Should().Equal(
                Enumerable.Range(0, 365).Select(d => untilUnix - (365 - d) * 86_400L), $"a bar a day for {id}");
            bars.Should().OnlyContain(b => b[3] <= Math.Min(b[1], b[4]) && Math.Max(b[1], b[4]) <= b[2]
                && b[3] <= b[5] && b[5] <= b[2] && b[6] > 0, "low ≤ open, close, mean ≤ high");
        }
        var hourly = $"/stock/{Uri.EscapeDataString(ids[0])}/usd?to={untilUnix}&interval=hour&fields=ohlc&from=";
        (await http.GetFromJsonAsync<double[][]>(hourly + (untilUnix - 30 * 86_400)))
            .Should().HaveCount(30 * 24, "hour bars for the last 30 days");
    }

    [Theory]
    [InlineData("--coins 0 --hours 2 --connection Host=x", "--coins must be a whole number from 1 to 100,000.")]
    [InlineData("--coins 10 --hours 200 --connection Host=x", "--hours must be a whole number from 1 to 168")]
    [InlineData("--coins 10 --hours 2", "--connection is required.")]
    [InlineData("--coins 10 --hours 2 --connection nonsense", "--connection is not a PostgreSQL connection string")]
    [InlineData("--coins 10 --weeks 2 --connection Host=x", "'--weeks' is not an option of fill.")]
    [InlineData("--coins 10 --hours 2 --days 401 --connection Host=x", "--days must be a whole number from 0 to 400.")]
    [InlineData("--coins 10 --hours 2 --connection Host=127.0.0.1;Port=1;Timeout=2", "Cannot fill the database")]
    public async Task Bad_input_gets_one_sentence_and_a_non_zero_exit(string args, string expected)
    {
        var (exit, _, stderr) = await FillProcess.RunAsync(args.Split(' '));

        exit.Should().NotBe(0);
        stderr.Trim().Should().Contain(expected).And.NotContain("   at ", "no stack trace");
        stderr.Trim().Split('\n').Should().ContainSingle();
    }
}
