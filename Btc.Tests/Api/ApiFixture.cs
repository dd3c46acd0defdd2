using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Data.Polling;
using Btc.Data.Prices;
using Btc.Data.Volatility;
using Btc.Tests.Infrastructure;
using Btc.Data.History;

namespace Btc.Tests.Api;

/// <summary>
/// A database holding the kinds of coin the original was checked with by hand, and the API over it
/// with its clock stopped at <see cref="Now"/>.
/// </summary>
public sealed class ApiFixture : DatabaseFixture
{
    public static readonly DateTime Now = new(2026, 11, 20, 12, 30, 25, DateTimeKind.Utc);
    /// <summary>When the last completed cycle finished: what the ranks are as of.</summary>
    public static readonly DateTime RanksAsOf = Now.AddSeconds(-20);

    public ApiFactory Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public IReadOnlyList<(DateTime At, double Usd)> Acala { get; private set; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await SeedAsync();
        Factory = new ApiFactory(ConnectionString, new FixedClock(Now));
        Client = Factory.CreateClient();
    }

    public override async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task SeedAsync()
    {
        string[] ids = ["acala", "current-no-usd", "old-no-usd", "1move token", "boringdao-[old]", "-2",
            "listed-never-priced"];
        var coins = new CoinStore(DataSource);
        await coins.UpsertListAsync(ids.Select(id => new CoinListEntry(id, id[..1], id)).ToArray());
        var tracked = await coins.SetTrackedAsync(ids);
        var cycleId = (await new PollCycleStore(DataSource).CreateAsync("seed", Now, [tracked]));
        await new PricePartitions(DataSource)
            .EnsureAsync(DateOnly.FromDateTime(Now.AddDays(-2)), DateOnly.FromDateTime(Now));

        // acala: a sample a minute for 26 hours up to now, in usd and eur.
        var random = new Random(3);
        var price = 0.12;
        var acala = new List<(DateTime, double)>();
        for (var t = Now.AddHours(-26).AddSeconds(17); t < Now; t = t.AddMinutes(1))
            acala.Add((t, price *= Math.Exp(0.01 * (random.NextDouble() - 0.5))));
        Acala = acala;
        await InsertAsync(cycleId, "acala", acala.Select(a => (a.Item1, (double?)a.Item2, (double?)(a.Item2 * 0.92))));
        await InsertAsync(cycleId, "current-no-usd", Enumerable.Range(1, 30).Select(
            i => (Now.AddMinutes(-i), (double?)null, (double?)(2.0 + i))));
        await InsertAsync(cycleId, "old-no-usd", [(new DateTime(2021, 5, 1, 10, 0, 3, DateTimeKind.Utc), null, 1.5)]);
        await InsertAsync(cycleId, "1move token", Enumerable.Range(1, 10).Select(
            i => (Now.AddMinutes(-7 * i), (double?)(1 + i * 0.1), (double?)null)));
        await InsertAsync(cycleId, "boringdao-[old]", Enumerable.Range(1, 10).Select(
            i => (Now.AddMinutes(-9 * i), (double?)(3 + i * i * 0.01), (double?)null)));
        await InsertAsync(cycleId, "-2",
        [
            (Now.AddHours(-24).AddSeconds(-1), 1.0, null), // just outside the 24 hours
            (Now.AddHours(-24), 2.0, null),                 // the first instant inside
            (Now.AddSeconds(-1), 3.0, null),                // stored a second ago: served at once
        ]);

        await new VolatilityStore(DataSource)
            .RecomputeAsync(await new CurrencyStore(DataSource).ListAsync(), RanksAsOf);
    }

    private Task InsertAsync(int cycleId, string id, IEnumerable<(DateTime At, double? Usd, double? Eur)> points) =>
        Samples.InsertAsync(DataSource, cycleId, id, points);
}
