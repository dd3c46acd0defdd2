using System.Diagnostics;
using System.Drawing;
using Btc.Data;
using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.Volatility;
using Btc.LocalPostgres;
using CoinGecko.Simulator;
using Dapper;
using Npgsql;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Btc.Benchmarks;

/// <summary>
/// <c>page [--coins 1000] [--minutes 10] [--screenshot docs/images/page.png]</c>: the web page in Debian's Chromium
/// over N coins × 24 h (filled as the fill command fills): navigation to the first chart drawn with data, a window
/// switch redrawn, bytes transferred on a first and a second load, and the JS heap while a price a second arrives for
/// the charted coin for M minutes. With --screenshot (a path in the repository), also a PNG of the whole page 1,440 px
/// wide once the live minutes have passed, so that its prices and its last poll cycle end at the moment it is taken.
/// </summary>
public static class PageBenchmark
{
    /// <summary>Coins a reader knows, charted and found among the simulator's (their prices simulated).</summary>
    private static readonly CoinListEntry[] WellKnown =
        [new("bitcoin", "btc", "Bitcoin"), new("ethereum", "eth", "Ethereum")];

    public static async Task<int> RunAsync(string[] args, Report report)
    {
        var coins = Option(args, "--coins", 1000);
        var minutes = Option(args, "--minutes", 10);
        var screenshot = Array.IndexOf(args, "--screenshot") is var s and >= 0 && s + 1 < args.Length
            ? Path.GetFullPath(args[s + 1], ChildProcess.RepositoryRoot()) : null;
        using var cluster = PostgresCluster.Start();
        var connectionString = await CreateDatabaseAsync(cluster.ConnectionString);
        await using var db = BtcConnectionString.CreateDataSource(connectionString);
        var coin = await FillAsync(db, coins, report);
        var port = CycleBenchmark.FreePort();
        using var api = ChildProcess.StartApi(connectionString, port);
        await ChildProcess.WaitForHttpAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(60));
        using var browser = Browser();
        var url = $"http://127.0.0.1:{port}/app/coins/{Uri.EscapeDataString(coin.Id)}?currency=usd&window=24h";
        await MeasureLoadsAsync(browser, url, report);
        await MeasureLiveAsync(browser, db, coin, minutes, report);
        if (screenshot is not null)
            await ScreenshotAsync(browser, url, screenshot);
        return 0;
    }

    /// <summary>
    /// The page opened again (its health strip read anew) once its board is listed, the window as tall as the page
    /// (the board's 20 rows reach below 900 px).
    /// </summary>
    private static async Task ScreenshotAsync(ChromeDriver browser, string url, string path)
    {
        browser.Navigate().GoToUrl(url);
        await DrawnAtAsync(browser, 1);
        await UntilAsync(browser, """
            return !document.getElementById('board-table').hidden
                && document.getElementById('health-cycle').className !== '';
            """, "volatility board and health strip");
        var height = Convert.ToInt32(browser.ExecuteScript("return document.documentElement.scrollHeight"));
        var chrome = Convert.ToInt32(browser.ExecuteScript("return window.outerHeight - window.innerHeight"));
        browser.Manage().Window.Size = new Size(1440, height + chrome);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        browser.GetScreenshot().SaveAsFile(path);
        Console.WriteLine($"Saved {path}");
    }

    private static async Task<TrackedCoin> FillAsync(NpgsqlDataSource db, int coins, Report report)
    {
        var started = Stopwatch.GetTimestamp();
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var list = WellKnown.Concat(CoinCatalog.Build(new SimulatorOptions { Coins = coins - WellKnown.Length })
            .Select(c => new CoinListEntry(c.Id, c.Symbol, c.Name))).ToArray();
        var (tracked, _, _) = await Fill.RunAsync(db, list.Select(c => c.Id).ToArray(), 24, end);
        // The symbols and names, as the worker's coin list sync stores them.
        await new CoinStore(db).UpsertListAsync(list);
        await Fill.CompactAsync(db, end.AddHours(-24));
        await Fill.RollUpAsync(db);
        await new VolatilityStore(db).RecomputeAsync(await new CurrencyStore(db).ListAsync(), end);
        report.Add($"page: fill of {coins:N0} coins × 24 h (packed, rolled up, ranked)",
            Stopwatch.GetElapsedTime(started).TotalSeconds, "s");
        return tracked.Single(c => c.Id == WellKnown[0].Id);
    }

    private static async Task MeasureLoadsAsync(ChromeDriver browser, string url, Report report)
    {
        browser.Navigate().GoToUrl(url);
        var first = await DrawnAtAsync(browser, 1);
        report.Add("page: navigation to the first chart drawn with data", first, "ms", "≤ 1000", first <= 1000);
        Console.WriteLine(Timeline(browser));
        report.Add("page: bytes on a first load (transferred, compressed)", Transferred(browser) / 1024.0, "KB",
            "≤ 150", Transferred(browser) <= 150 * 1024);
        browser.ExecuteScript(
            "window.btcSwitch = performance.now(); document.querySelector(\"[data-window='1h']\").click();");
        var redrawn = await DrawnAtAsync(browser, 2) - Convert.ToDouble(browser.ExecuteScript("return btcSwitch"));
        report.Add("page: window switch (24 h → 1 h) redrawn", redrawn, "ms", "≤ 300", redrawn <= 300);
        browser.Navigate().GoToUrl(url);
        await DrawnAtAsync(browser, 1);
        report.Add("page: bytes on a second load (cached files)", Transferred(browser) / 1024.0, "KB");
    }

    private static async Task MeasureLiveAsync(
        ChromeDriver browser, NpgsqlDataSource db, TrackedCoin coin, int minutes, Report report)
    {
        var heapBefore = Heap(browser);
        var currencies = await new CurrencyStore(db).ListAsync();
        // On from the charted coin's last price, so that the live prices continue its line.
        var price = Convert.ToDouble(browser.ExecuteScript("return window.btcChart.points().polled.at(-1).value"));
        var (cycles, samples) = (new PollCycleStore(db), new PriceSampleStore(db));
        var until = DateTime.UtcNow.AddMinutes(minutes);
        var stored = 0;
        while (DateTime.UtcNow < until)
        {
            var at = DateTime.UtcNow;
            at = new DateTime(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            var cycleId = await cycles.CreateAsync($"page-bench-{stored}", at, [[coin]]);
            price *= 1 + (Random.Shared.NextDouble() - 0.5) / 500;
            var prices = currencies.Select(c => c.Code == "usd" ? price : (double?)null).ToArray();
            await samples.StorePageAsync(cycleId, 0, currencies, [new PriceSample(coin.CoinKey, at, prices)],
                new PageCounts(0));
            // As the worker's page job does: the health strip then shows the live cycles complete, not running.
            await cycles.TryFinishAsync(cycleId);
            stored++;
            await Task.Delay(1000);
        }
        var drawn = Convert.ToInt64(browser.ExecuteScript("return window.btcChart.live"));
        browser.ExecuteScript("window.gc && window.gc()");
        var heapAfter = Heap(browser);
        report.Add($"page: live prices drawn of {stored} stored in {minutes} min", drawn, "points");
        report.Add("page: JS heap before live updates", heapBefore / 1048576.0, "MiB");
        report.Add($"page: JS heap after {minutes} min of live updates (after a GC)", heapAfter / 1048576.0, "MiB",
            "flat (≤ +20 %)", heapAfter <= heapBefore * 1.2);
    }

    private static async Task<double> DrawnAtAsync(ChromeDriver browser, int drawn) => Convert.ToDouble(
        await UntilAsync(browser, $"return window.btcChart?.drawn >= {drawn} ? window.btcChart.drawnAt : null",
            "chart"));

    /// <summary>What the script returns once it returns something other than null or false.</summary>
    private static async Task<object> UntilAsync(ChromeDriver browser, string script, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (browser.ExecuteScript(script) is { } found and not false)
                return found;
            await Task.Delay(20);
        }
        throw new TimeoutException($"The page drew no {what} within 60 s.");
    }

    /// <summary>Where the first chart's time went: when each request of the load started and ended.</summary>
    private static string Timeline(ChromeDriver browser) => Convert.ToString(browser.ExecuteScript("""
        return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
            .map(e => `${Math.round(e.startTime)}–${Math.round(e.responseEnd)} ms `
                + e.name.replace(location.origin, ''))
            .join('\n');
        """))!;

    private static long Transferred(ChromeDriver browser) => Convert.ToInt64(browser.ExecuteScript("""
        return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
            .reduce((sum, e) => sum + e.transferSize, 0);
        """));

    private static long Heap(ChromeDriver browser) =>
        Convert.ToInt64(browser.ExecuteScript("return performance.memory.usedJSHeapSize"));

    private static ChromeDriver Browser()
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--enable-precise-memory-info", "--js-flags=--expose-gc", "--hide-scrollbars",
            $"--user-data-dir={Directory.CreateTempSubdirectory("btc-page-bench-").FullName}");
        var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        browser.Manage().Window.Size = new Size(1440, 900);
        return browser;
    }

    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        await using (var connection = new NpgsqlConnection(admin))
            await connection.ExecuteAsync("CREATE DATABASE page");
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = "page" }.ConnectionString;
        Btc.Migrations.Migrator.Up(connectionString);
        return connectionString;
    }

    private static int Option(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v)
            ? v : fallback;
}
