using System.Text.Json;
using Btc.Tests.Live;
using OpenQA.Selenium;

namespace Btc.Tests.Page;

/// <summary>The page in real Chromium over the real API process: what it draws is what the API serves.</summary>
public sealed class PageTests(PageFixture page) : IClassFixture<PageFixture>, IDisposable
{
    private PageBrowser Browser => page.Browser;

    [Fact]
    public async Task The_chart_holds_the_points_the_api_serves_then_day_bars_for_a_year_then_another_currency()
    {
        Browser.Open(page.Page("/app/coins/bitcoin?currency=usd&window=24h"));
        Browser.WaitForView("bitcoin|usd|24h");
        var from = From();
        var polled = await page.SeriesAsync($"/stock/bitcoin/usd?from={from}&source=polled");
        var filled = await page.SeriesAsync($"/stock/bitcoin/usd?from={from}&interval=minute&source=filled");
        var drawn = Drawn();
        Values(drawn, "polled").Should().Equal(polled.Select(p => ((long)p[0], p[1])));
        Values(drawn, "filled").Should().Equal(filled.Select(p => ((long)p[0], p[1])));
        polled.Should().HaveCountGreaterThan(1000);
        // The page's table styles once squeezed the chart's own table: the right axis was drawn 10 px wide, no labels.
        Browser.Until(() => PriceAxis("wanted") > 30, "the price axis sized for its labels");
        PriceAxis("drawn").Should().BeGreaterThanOrEqualTo(PriceAxis("wanted") - 0.5, "the axis is laid out as asked");

        Browser.Find("[data-window='1y']").Click();
        Browser.WaitForView("bitcoin|usd|1y");
        Browser.Url.Should().EndWith("/app/coins/bitcoin?currency=usd&window=1y");
        var usdDays = await page.SeriesAsync($"/stock/bitcoin/usd?from={From()}&interval=day&fields=ohlc");
        Candles(Drawn()).Should().Equal(Ohlc(usdDays)).And.HaveCountGreaterThan(80);

        Browser.Script("""
            const picker = document.getElementById('currency');
            picker.value = 'eur';
            picker.dispatchEvent(new Event('change'));
            """);
        Browser.WaitForView("bitcoin|eur|1y");
        var eurDays = await page.SeriesAsync($"/stock/bitcoin/eur?from={From()}&interval=day&fields=ohlc");
        Candles(Drawn()).Should().Equal(Ohlc(eurDays)).And.NotEqual(Ohlc(usdDays));
        Browser.Url.Should().Contain("currency=eur");
    }

    [Fact]
    public void A_deep_link_opens_its_view_and_back_returns_to_the_one_before()
    {
        Browser.Open(page.Page("/app/coins/ethereum?currency=eur&window=7d"));
        Browser.WaitForView("ethereum|eur|7d");
        Browser.Find("#currency").GetAttribute("value").Should().Be("eur");
        Browser.Find("[data-window='7d']").GetAttribute("aria-pressed").Should().Be("true");
        // The address gives the id only: the heading names the coin once the page has looked it up.
        Browser.Until(() => Browser.Text("coin-title") == "Ethereum (ETH)", "the coin's name in the heading");

        Browser.Find("[data-window='1h']").Click();
        Browser.WaitForView("ethereum|eur|1h");
        Browser.Url.Should().EndWith("/app/coins/ethereum?currency=eur&window=1h");

        Browser.Web.Navigate().Back();
        Browser.WaitForView("ethereum|eur|7d");
        Browser.Url.Should().EndWith("/app/coins/ethereum?currency=eur&window=7d");
        Browser.Find("[data-window='7d']").GetAttribute("aria-pressed").Should().Be("true");
    }

    [Fact]
    public void A_coin_is_found_by_symbol_and_by_part_of_its_name_with_the_keyboard_alone()
    {
        Browser.Open(page.Page("/app/coins/ethereum?currency=usd&window=24h"));
        Browser.WaitForView("ethereum|usd|24h");
        var search = Browser.Find("#search");
        search.SendKeys("btc");
        WaitForOptions("bitcoin");
        search.SendKeys(Keys.Enter);
        Browser.WaitForView("bitcoin|usd|24h");
        Browser.Url.Should().EndWith("/app/coins/bitcoin?currency=usd&window=24h");
        Browser.Find("#search-results").Displayed.Should().BeFalse();

        search.SendKeys("bitc");
        WaitForOptions("bitcoin", "wrapped-bitcoin");
        search.GetAttribute("aria-activedescendant").Should().Be("coin-option-0");
        search.SendKeys(Keys.ArrowDown);
        search.GetAttribute("aria-activedescendant").Should().Be("coin-option-1");
        search.SendKeys(Keys.Enter);
        Browser.WaitForView("wrapped-bitcoin|usd|24h");
        Browser.Url.Should().EndWith("/app/coins/wrapped-bitcoin?currency=usd&window=24h");
        Browser.Text("coin-title").Should().Be("Wrapped Bitcoin (WBTC)");

        search.SendKeys("eth");
        WaitForOptions("ethereum");
        search.SendKeys(Keys.Escape);
        Browser.Find("#search-results").Displayed.Should().BeFalse();
        search.GetAttribute("aria-expanded").Should().Be("false");
        Browser.Script("return window.btcChart.view").Should().Be("wrapped-bitcoin|usd|24h", "Escape opens nothing");
        search.SendKeys(Keys.ArrowDown);
        Browser.Find("#search-results").Displayed.Should().BeTrue("an arrow opens the closed list again");
        search.SendKeys(Keys.Enter);
        Browser.WaitForView("ethereum|usd|24h");
        Browser.Url.Should().EndWith("/app/coins/ethereum?currency=usd&window=24h");
    }

    [Fact]
    public async Task The_board_lists_the_ranks_the_api_serves_and_a_row_opens_its_chart()
    {
        Browser.Open(page.Page("/app/coins/bitcoin?currency=usd&window=24h"));
        Browser.WaitForView("bitcoin|usd|24h");
        var most = await BoardAsync("desc");
        most.GetProperty("as_of").ValueKind.Should().Be(JsonValueKind.String);
        Rows(most).Should().HaveCount(3).And.OnlyHaveUniqueItems(r => r.Rank, "the coins swing by different amounts");
        WaitForBoard(most);
        Browser.Find("#board-message time").GetAttribute("datetime").Should().Be(most.GetProperty("as_of").GetString());

        Browser.Find("[data-order='asc']").Click();
        var least = await BoardAsync("asc");
        Rows(least).Should().Equal(Rows(most).Reverse());
        WaitForBoard(least);
        Browser.Find("[data-order='asc']").GetAttribute("aria-pressed").Should().Be("true");

        var (_, calmest) = Rows(least)[0];
        Browser.Find("#board-table tbody tr:first-child a").Click();
        Browser.WaitForView($"{calmest}|usd|24h");
        Browser.Url.Should().EndWith($"/app/coins/{calmest}?currency=usd&window=24h");
    }

    [Fact]
    public async Task A_new_price_appears_on_an_open_page_without_a_reload()
    {
        Browser.Open(page.Page("/app/coins/ethereum?currency=usd&window=1h"));
        Browser.WaitForView("ethereum|usd|1h");
        Browser.Until(() => Browser.Text("live").StartsWith("Live", StringComparison.Ordinal), "the live stream");
        Browser.Script("window.btcNoReload = true");

        var (at, usd) = await PageData.StoreNewPriceAsync(page.DataSource, "ethereum", 4321.5);

        Browser.Until(() => Last(Drawn(), "polled") == (at, usd), "the new price as the chart's last point");
        Browser.Text("price").Should().Contain("4,321.50");
        Browser.Script("return window.btcNoReload").Should().Be(true);
    }

    [Fact]
    public async Task Filled_points_are_drawn_apart_from_polled_ones_and_a_gap_as_a_gap()
    {
        Browser.Open(page.Page("/app/coins/bitcoin?currency=usd&window=24h"));
        Browser.WaitForView("bitcoin|usd|24h");
        var drawn = Drawn();
        var filled = await page.SeriesAsync($"/stock/bitcoin/usd?from={From()}&interval=minute&source=filled");

        filled.Should().HaveCount(3);
        Values(drawn, "filled").Should().Equal(filled.Select(p => ((long)p[0], p[1])));
        var breaks = drawn.GetProperty("breaks").EnumerateArray().Select(b => b.GetInt64()).ToArray();
        breaks.Should().ContainSingle("one span longer than three cadences (3 min) lacks polled samples");
        var polled = Values(drawn, "polled");
        var before = polled.Last(p => p.Time < breaks[0]).Time;
        var after = polled.First(p => p.Time > breaks[0]).Time;
        (after - before).Should().BeGreaterThan(PageData.GapMinutes * 60);
        Values(drawn, "filled").Should().OnlyContain(f => f.Time > before && f.Time < after);
        Browser.Text("chart-caption").Should().Contain("Dots: points filled");
    }

    [Fact]
    public void An_unknown_coin_and_a_currency_without_prices_each_say_so()
    {
        Browser.Open(page.Page("/app/coins/no-such-coin?currency=usd&window=24h"));
        Browser.Until(() => Browser.Text("message").Contains("No coin has the id “no-such-coin”"), "the sentence");
        Browser.Find(".chart-figure").Displayed.Should().BeFalse();

        Browser.Open(page.Page("/app/coins/bitcoin?currency=jpy&window=24h"));
        Browser.Until(() => Browser.Text("message").Contains("Bitcoin has no prices in JPY")
            || Browser.Text("message").Contains("bitcoin has no prices in JPY"), "the sentence");

        Browser.Open(page.Page("/app/coins/bitcoin?currency=zzz&window=24h"));
        Browser.Until(() => Browser.Text("message").Contains("“zzz” is not a currency"), "the sentence");
    }

    [Fact]
    public async Task With_the_api_stopped_the_page_says_it_is_not_answering()
    {
        using var api = await ApiProcess.StartAsync(page.ConnectionString);
        Browser.Open($"http://127.0.0.1:{api.Port}/app/coins/bitcoin?currency=usd&window=24h");
        Browser.WaitForView("bitcoin|usd|24h");

        api.Terminate();
        await api.Output.Process.WaitForExitAsync(new CancellationTokenSource(PageBrowser.Deadline).Token);
        Browser.Until(() => Browser.Text("live").Contains("the API is not answering"), "live updates paused");
        Browser.Find("[data-window='7d']").Click();

        Browser.Until(() => Browser.Text("message").Contains("The API is not answering"), "the sentence");
    }

    [Fact]
    public void At_375_px_nothing_scrolls_sideways_and_axe_finds_nothing_serious()
    {
        try
        {
            foreach (var width in new[] { 375, 1440 })
            {
                Browser.Resize(width, 900);
                Browser.Open(page.Page("/app/coins/bitcoin?currency=usd&window=24h"));
                Browser.WaitForView("bitcoin|usd|24h");
                Browser.Script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                    .Should().Be(0L, $"at {width} px nothing is wider than the window");
                Axe().Should().BeEmpty($"at {width} px");
            }
        }
        finally
        {
            Browser.Resize(1440, 900);
        }
    }

    private string[] Axe()
    {
        Browser.Script(File.ReadAllText(Path.Combine(Running.ComposeFileTests.RepositoryRoot(),
            "Btc.Tests/Page/vendor/axe.min.js")));
        var found = (string?)((IJavaScriptExecutor)Browser.Web).ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document).then(r => done(JSON.stringify(r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`))));
            """);
        return JsonSerializer.Deserialize<string[]>(found ?? "null") ?? throw new InvalidOperationException(
            "axe-core did not run.");
    }

    private void WaitForOptions(params string[] ids) => Browser.Until(
        () => Browser.Find("#search-results").Displayed && Browser.Web
            .FindElements(By.CssSelector("#search-results [role=option]"))
            .Select(o => o.GetAttribute("data-id")).SequenceEqual(ids),
        $"the search to offer {string.Join(", ", ids)}");

    private double PriceAxis(string width) =>
        Convert.ToDouble(Browser.Script($"return window.btcChart.priceAxis().{width}"));

    private async Task<JsonElement> BoardAsync(string order) => JsonDocument.Parse(await page.Api.Http.GetStringAsync(
        $"/volatility?currency=usd&measure=log_return_stddev&order={order}&limit=20")).RootElement;

    private static (int Rank, string Id)[] Rows(JsonElement board) => board.GetProperty("coins").EnumerateArray()
        .Select(c => (c.GetProperty("rank").GetInt32(), c.GetProperty("id").GetString()!)).ToArray();

    /// <summary>Waits until the board's rows are the API's: rank, the coin's link, its volatility as shown.</summary>
    private void WaitForBoard(JsonElement board)
    {
        var expected = board.GetProperty("coins").EnumerateArray().Select(c =>
            $"{c.GetProperty("rank").GetInt32()}|/app/coins/{c.GetProperty("id").GetString()}?currency=usd").ToArray();
        Browser.Until(() => ((string)Browser.Script("""
            return [...document.querySelectorAll('#board-table tbody tr')]
                .map(tr => `${tr.cells[0].textContent}|${tr.querySelector('a').getAttribute('href')}`).join('\n');
            """)!).Split('\n').SequenceEqual(expected), $"the board to list {string.Join(", ", expected)}");
    }

    private long From() => Convert.ToInt64(Browser.Script("return window.btcChart.from"));

    private JsonElement Drawn() =>
        JsonDocument.Parse((string)Browser.Script("return JSON.stringify(window.btcChart.points())")!).RootElement;

    private static long Time(JsonElement point) => point.GetProperty("time").GetInt64();

    private static (long Time, double Value)[] Values(JsonElement drawn, string series) =>
        drawn.GetProperty(series).EnumerateArray().Where(p => p.TryGetProperty("value", out _))
            .Select(p => (Time(p), p.GetProperty("value").GetDouble())).ToArray();

    private static (long, double)? Last(JsonElement drawn, string series) =>
        Values(drawn, series) is [.., var last] ? last : null;

    private static (long, double, double, double, double)[] Candles(JsonElement drawn) =>
        drawn.GetProperty("candles").EnumerateArray().Select(c => (Time(c), c.GetProperty("open").GetDouble(),
            c.GetProperty("high").GetDouble(), c.GetProperty("low").GetDouble(), c.GetProperty("close").GetDouble()))
            .ToArray();

    private static (long, double, double, double, double)[] Ohlc(double[][] bars) =>
        bars.Select(b => ((long)b[0], b[1], b[2], b[3], b[4])).ToArray();

    /// <summary>After every test: nothing from the page's own scripts in the console.</summary>
    public void Dispose() => Browser.PageProblems().Should().BeEmpty();
}
