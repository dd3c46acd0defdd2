using System.Diagnostics.Metrics;

namespace Btc.Hosting.Telemetry;

/// <summary>
/// BTC's own instruments, on the meter <see cref="MeterName"/>: what the services record as it happens. Gauges that
/// are read from the database on each scrape are registered by the service that owns them (WorkerGauges, ApiGauges).
/// Exported as Prometheus text with the unit and _total suffixes: btc_cycles_total, btc_cycle_duration_seconds, ….
/// </summary>
public sealed class BtcMetrics
{
    public const string MeterName = "Btc";

    public BtcMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        Cycles = Meter.CreateCounter<long>(
            "btc.cycles", description: "Poll cycles ended, by outcome (complete, incomplete, failed).");
        CycleDuration = Meter.CreateHistogram<double>(
            "btc.cycle.duration", "s", "From a cycle's start to its last page stored.");
        Pages = Meter.CreateCounter<long>(
            "btc.pages", description: "Pages of ended cycles, by outcome (stored, superseded).");
        Rows = Meter.CreateCounter<long>(
            "btc.rows",
            description: "Coins of ended cycles' pages, by what became of them (stored, stale, skipped, refused).");
        CoinGeckoCalls = Meter.CreateCounter<long>(
            "btc.coingecko.calls",
            description: "CoinGecko calls made, by status (ok, rate_limited, server_error, client_error, failed) and " +
                "purpose (poll, fill).");
        RankRecompute = Meter.CreateHistogram<double>(
            "btc.ranks.recompute.duration", "s", "One recompute of the volatility ranks.");
        ApiCache = Meter.CreateCounter<long>(
            "btc.api.cache", description: "API answers served from the cache (hit) or read from the database (miss).");
    }

    public Meter Meter { get; }
    public Counter<long> Cycles { get; }
    public Histogram<double> CycleDuration { get; }
    public Counter<long> Pages { get; }
    public Counter<long> Rows { get; }
    public Counter<long> CoinGeckoCalls { get; }
    public Histogram<double> RankRecompute { get; }
    public Counter<long> ApiCache { get; }
}
