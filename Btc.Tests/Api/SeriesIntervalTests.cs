using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Data.History.Bars;
using Btc.Data.History.Series;
using Btc.Tests.Infrastructure;
using Btc.Tests.Series;
using Dapper;

namespace Btc.Tests.Api;

/// <summary>
/// Two complete days of samples before today, compacted and rolled up, with retention having moved on as if the
/// database were older: minute samples kept from the first day, hour bars from ten days before it.
/// </summary>
public sealed class SeriesIntervalFixture : DatabaseFixture
{
    public static readonly DateTime Today = DateTime.UtcNow.Date;
    public static readonly DateTime First = Today.AddDays(-2);

    public SeriesData Data { get; private set; } = null!;
    public ApiFactory Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Data = new SeriesData(this);
        await Data.WriteAsync("interval", coins: 2, minutes: 2 * 1440, lastMinute: Today.AddMinutes(-1));
        await Data.StartHistoryAtAsync(First);
        await new SeriesCompactor(DataSource).RunAsync(Data.Currencies, TimeSpan.FromMinutes(5));
        await new BarRollup(DataSource).RunAsync(TimeSpan.FromMinutes(5));
        await using (var connection = await DataSource.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE price_history SET minutes_from = @first, hours_from = @hours",
                new { first = DateOnly.FromDateTime(First), hours = DateOnly.FromDateTime(First).AddDays(-10) });
        Factory = new ApiFactory(ConnectionString, TimeProvider.System);
        Client = Factory.CreateClient();
    }

    public override async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class SeriesIntervalTests(SeriesIntervalFixture api) : IClassFixture<SeriesIntervalFixture>
{
    private static readonly DateTime First = SeriesIntervalFixture.First;

    private string Url(string query) => $"/stock/{api.Data.Coins[1].Id}/usd?{query}";

    private int CoinKey => api.Data.Coins[1].CoinKey;

    [Fact]
    public async Task The_default_window_answers_minute_samples_as_before()
    {
        var before = DateTime.UtcNow;
        var pairs = await api.Client.GetFromJsonAsync<double[][]>(Url(""));
        var after = DateTime.UtcNow;

        // The API's 24 hours end when it read its clock, between these two: a sample a minute may cross either end.
        var usd = api.Data.Currency("usd");
        var counts = new[]
        {
            (await api.Data.RawAsync(CoinKey, usd, before.AddHours(-24), before)).Count,
            (await api.Data.RawAsync(CoinKey, usd, after.AddHours(-24), after)).Count,
        };
        pairs!.Length.Should().BeInRange(counts.Min() - 1, counts.Max() + 1).And.BeGreaterThan(0);
        pairs.Should().OnlyContain(p => p.Length == 2);
    }

    [Fact]
    public async Task A_window_older_than_the_minute_samples_answers_hour_bars_and_older_than_those_day_bars()
    {
        var hours = (await api.Client.GetFromJsonAsync<double[][]>(Url($"from={Unix(First.AddDays(-1))}")))!;
        var days = (await api.Client.GetFromJsonAsync<double[][]>(Url($"from={Unix(First.AddDays(-20))}")))!;

        var usd = api.Data.Currency("usd");
        var rawHours = await api.Data.RawBarsAsync(CoinKey, usd, BarInterval.Hour, First, DateTime.UtcNow);
        hours.Select(p => (long)p[0]).Should().Equal(rawHours.Select(b => b.UnixSeconds));
        hours.Select(p => p[1])
            .Should().Equal(rawHours.Select(b => b.Mean), (a, b) => Math.Abs(a - b) <= Math.Abs(b) * 1e-12);
        var rawDays = await api.Data.RawBarsAsync(CoinKey, usd, BarInterval.Day, First, DateTime.UtcNow);
        days.Select(p => (long)p[0]).Should().Equal(rawDays.Select(b => b.UnixSeconds)).And.HaveCount(2);
    }

    [Fact]
    public async Task Fields_ohlc_answers_bars_of_seven_numbers_the_finest_bar_tier_by_default()
    {
        var hourly = await api.Client.GetFromJsonAsync<double[][]>(Url("fields=ohlc"));
        var daily = await api.Client.GetFromJsonAsync<double[][]>(Url($"from={Unix(First)}&interval=day&fields=ohlc"));

        hourly!.Should().NotBeEmpty().And.OnlyContain(b => b.Length == 7);
        hourly.Select(b => (long)b[0] % 3600).Should().OnlyContain(s => s == 0, "each bar starts on its hour");
        var raw = await api.Data.RawBarsAsync(
            CoinKey,
            api.Data.Currency("usd"),
            BarInterval.Day,
            First,
            DateTime.UtcNow);
        daily!.Select(b => ((long)b[0], b[1], b[2], b[3], b[4], (int)b[6]))
            .Should().Equal(raw.Select(b => (b.UnixSeconds, b.Open, b.High, b.Low, b.Close, b.Count)));
    }

    [Theory]
    [InlineData("interval=minute&from={first-1}", "finest interval is hour")]
    [InlineData("interval=hour&from={first-20}", "finest interval is day")]
    [InlineData("interval=minute&fields=ohlc", "fields=ohlc needs interval=hour or day")]
    [InlineData("interval=week", "'interval' must be minute, hour or day")]
    [InlineData("fields=candles", "'fields' must be price or ohlc")]
    [InlineData("from=0", "at most 3653 days")]
    [InlineData("to=0001-01-01T00:00:00Z", "must be after 1970-01-01")]
    public async Task An_interval_or_fields_it_cannot_answer_is_a_400_that_says_what_would_do(
        string query,
        string detail)
    {
        var response = await api.Client.GetAsync(Url(query
            .Replace("{first-1}", Unix(First.AddDays(-1)).ToString())
            .Replace("{first-20}", Unix(First.AddDays(-20)).ToString())));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync())
            .RootElement.GetProperty("detail").GetString().Should().Contain(detail);
    }

    [Fact]
    public async Task The_openapi_document_describes_interval_and_fields()
    {
        var document = JsonDocument.Parse(await api.Client.GetStringAsync("/openapi/v1.json")).RootElement;

        var parameters = document.GetProperty("paths")
            .GetProperty("/stock/{stock_id}/{currency}").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().ToDictionary(
                p => p.GetProperty("name").GetString()!,
                p => p.TryGetProperty("description", out var d) ? d.GetString() : null);
        parameters.Should().ContainKeys("from", "to", "interval", "fields");
        parameters["interval"].Should().Contain("minute, hour or day");
        parameters["fields"].Should().Contain("ohlc");
    }

    private static long Unix(DateTime at) => new DateTimeOffset(at).ToUnixTimeSeconds();
}
