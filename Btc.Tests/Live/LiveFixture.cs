using System.Net.Http.Json;
using Btc.Tests.Infrastructure;
using Btc.Tests.Ingestion;

namespace Btc.Tests.Live;

/// <summary>
/// One database, simulator, worker and API that the live stream tests share: each test subscribes, then runs the
/// cycles it needs, and asserts on what was stored from its subscription on.
/// </summary>
public class LiveFixture : DatabaseFixture
{
    private int _cycles;

    public Simulator CoinGecko { get; private set; } = null!;
    public WorkerHost Worker { get; private set; } = null!;
    public ApiFactory Api { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        CoinGecko = await Simulator.StartAsync(coins: 300);
        // The market's clock starts behind the real one, so that moving it on never dates a price in the future.
        await CoinGecko.AdvanceAsync(-100);
        Worker = await WorkerHost.StartAsync(ConnectionString, CoinGecko, ("CoinGecko:TimeoutSeconds", "10"));
        Api = new ApiFactory(ConnectionString, TimeProvider.System, ("Api:StreamQueuePages", "4"));
        Http = Api.CreateClient();
        Http.Timeout = Timeout.InfiniteTimeSpan;
        await CycleAsync();
    }

    /// <summary>Moves the market on a minute and runs a cycle to its end: every coin gets a new price.</summary>
    public async Task CycleAsync()
    {
        await CoinGecko.AdvanceAsync(1);
        Worker.TriggerCycle();
        await CycleProbe.WaitForFinishedCycleAsync(this, ++_cycles);
    }

    /// <summary>What the series serves of a coin in a currency (polled samples), oldest first.</summary>
    public async Task<double[][]> SeriesAsync(string coin, string currency) =>
        (await Http.GetFromJsonAsync<double[][]>($"/stock/{Uri.EscapeDataString(coin)}/{currency}?source=polled"))!;

    /// <summary>The series, or null when the coin has no price in the currency.</summary>
    public async Task<double[][]?> TrySeriesAsync(string coin, string currency)
    {
        var response = await Http.GetAsync($"/stock/{Uri.EscapeDataString(coin)}/{currency}?source=polled");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<double[][]>() : null;
    }

    public async Task<string[]> CoinsAsync() => (await Http.GetFromJsonAsync<string[]>("/stock"))!;

    public override async Task DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
        await Worker.DisposeAsync();
        await CoinGecko.DisposeAsync();
        await base.DisposeAsync();
    }
}
