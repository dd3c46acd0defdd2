using System.Net.Http.Json;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;

namespace Btc.Tests.Page;

/// <summary>
/// The page's tests share one database (<see cref="PageData"/>), one API process and one browser; each test opens
/// the address it needs and checks the console itself.
/// </summary>
public class PageFixture : DatabaseFixture
{
    public ApiProcess Api { get; private set; } = null!;
    public PageBrowser Browser { get; private set; } = null!;

    /// <summary>Settings of the API process beyond the connection and its port.</summary>
    protected virtual (string, string)[] ApiSettings => [];

    public string Page(string path) => $"http://127.0.0.1:{Api.Port}{path}";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await PageData.WriteAsync(DataSource);
        Api = await ApiProcess.StartAsync(ConnectionString, ApiSettings);
        Browser = new PageBrowser();
    }

    /// <summary>The series as the API serves it to a client without the page.</summary>
    public async Task<double[][]> SeriesAsync(string path) => (await Api.Http.GetFromJsonAsync<double[][]>(path))!;

    public override async Task DisposeAsync()
    {
        Browser.Dispose();
        Api.Dispose();
        await base.DisposeAsync();
    }
}
