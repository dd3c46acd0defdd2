using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Btc.Tests.Page;

/// <summary>
/// Debian's headless Chromium driven through its own chromedriver, both given by path so that Selenium Manager
/// downloads nothing; a fresh profile; the console's lines kept for the no-error check.
/// </summary>
public sealed class PageBrowser : IDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _profile = Directory.CreateTempSubdirectory("btc-chromium-").FullName;
    private readonly List<LogEntry> _console = [];
    private readonly ChromeDriver _driver;

    public PageBrowser(int width = 1440, int height = 900)
    {
        var service = ChromeDriverService.CreateDefaultService(
            Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", $"--user-data-dir={_profile}", $"--window-size={width},{height}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }


    public IWebDriver Web => _driver;

    public string Url => _driver.Url;

    /// <summary>The address and the document as they are now.</summary>
    public string Page() => _driver.Url + _driver.PageSource;

    public void Open(string url) => _driver.Navigate().GoToUrl(url);

    public void Resize(int width, int height) => _driver.Manage().Window.Size = new Size(width, height);

    public IWebElement Find(string css) => _driver.FindElement(By.CssSelector(css));

    public string Text(string id) => _driver.FindElement(By.Id(id)).Text;

    public object? Script(string script, params object[] args) => _driver.ExecuteScript(script, args);

    /// <summary>Waits until the chart has drawn <paramref name="view"/> ("coin|currency|window").</summary>
    public void WaitForView(string view) => Until(() => Script("return window.btcChart?.view") as string == view,
        $"the chart to draw {view} (drawn: {Script("return window.btcChart?.view")}, message: {Text("message")})");

    public void Until(Func<bool> done, string what)
    {
        try
        {
            new WebDriverWait(_driver, Deadline) { PollingInterval = TimeSpan.FromMilliseconds(100) }
                .Until(_ => done());
        }
        catch (WebDriverTimeoutException)
        {
            throw new TimeoutException($"Timed out after {Deadline.TotalSeconds:0} s waiting for {what}.");
        }
    }

    /// <summary>
    /// The console's errors and warnings from the page's own scripts since the last call: the browser's own lines for
    /// requests that failed (a 404 the page expects, an API that is away) are not the page's.
    /// </summary>
    public IReadOnlyList<string> PageProblems()
    {
        _console.AddRange(_driver.Manage().Logs.GetLog(LogType.Browser));
        var problems = _console
            .Where(e => e.Level is LogLevel.Severe or LogLevel.Warning)
            .Where(e => !e.Message.Contains("Failed to load resource", StringComparison.Ordinal)
                && !e.Message.Contains("net::ERR_", StringComparison.Ordinal))
            .Select(e => $"{e.Level}: {e.Message}")
            .ToArray();
        _console.Clear();
        return problems;
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes to its profile may still be landing; the temp folder is the system's to clear.
        }
    }
}
