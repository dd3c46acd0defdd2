using System.Diagnostics;
using System.Diagnostics.Metrics;
using Btc.Data.Polling;
using Btc.Hosting.Telemetry;
using Btc.Worker.CoinGecko;
using Microsoft.Extensions.Options;
using Btc.Data.Budget;

namespace Btc.Worker.Telemetry;

/// <summary>
/// Gauges read from the database when scraped: the budgets all replicas share (each replica reports the same
/// values: graph their max) and how long ago a cycle last completed.
/// </summary>
public sealed class WorkerGauges(
    BtcMetrics metrics,
    CallBudget budget,
    PollCycleStore cycles,
    IOptions<CoinGeckoOptions> options,
    TimeProvider clock)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableGauge("btc.budget.used", Used,
            description: "CoinGecko calls used by all replicas, in the budget's minute and in the month (UTC).");
        metrics.Meter.CreateObservableGauge("btc.budget.left", Left,
            description: "CoinGecko calls left in the budget's minute and in the month (absent: no monthly cap).");
        metrics.Meter.CreateObservableGauge(
            "btc.cycle.since_last_completed", SinceLastCycle, "s", "Seconds since a poll cycle last completed.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Replaced whole (a reference): scrapes may read it from more than one thread.
    private UsedCalls? _used;

    // OpenTelemetry's callbacks are synchronous, one per gauge: used and left come from one query per scrape.
    private (int Minute, int Month) Read()
    {
        if (_used is { } last && Stopwatch.GetElapsedTime(last.ReadAt) < TimeSpan.FromSeconds(1))
            return (last.Minute, last.Month);
        var (minute, month) = budget.UsedAsync(clock.GetUtcNow().UtcDateTime).GetAwaiter().GetResult();
        _used = new UsedCalls(Stopwatch.GetTimestamp(), minute, month);
        return (minute, month);
    }

    private sealed record UsedCalls(long ReadAt, int Minute, int Month);

    private IEnumerable<Measurement<long>> Used()
    {
        var (minute, month) = Read();
        return [new(minute, Window("minute")), new(month, Window("month"))];
    }

    private IEnumerable<Measurement<long>> Left()
    {
        var (minute, month) = Read();
        yield return new(Math.Max(0, options.Value.EffectiveCallsPerMinute - minute), Window("minute"));
        if (options.Value.EffectiveCallsPerMonth is { } cap)
            yield return new(Math.Max(0, cap - month), Window("month"));
    }

    private IEnumerable<Measurement<double>> SinceLastCycle()
    {
        if (cycles.LastFinishedAtAsync().GetAwaiter().GetResult() is { } last)
            yield return new((clock.GetUtcNow().UtcDateTime - last).TotalSeconds);
    }

    private static KeyValuePair<string, object?> Window(string window) => new("window", window);
}
