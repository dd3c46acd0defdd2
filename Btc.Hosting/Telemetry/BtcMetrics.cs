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
        LiveStreams = Meter.CreateUpDownCounter<long>(
            "btc.live.streams", description: "Live streams open, by stream (coin, market).");
        LiveEvents = Meter.CreateCounter<long>(
            "btc.live.events", description: "Price events written to live streams, by stream (coin, market).");
        LiveReads = Meter.CreateCounter<long>(
            "btc.live.reads",
            description: "Statements the live feed ran: of the cursor's row (cursor), of the pages after it (pages).");
        LiveDropped = Meter.CreateCounter<long>(
            "btc.live.dropped", description: "Live streams ended because their client did not keep up.");
        // Seconds from 5 ms to 10 s: the default buckets (0 to 10,000) are for milliseconds.
        LiveLatency = Meter.CreateHistogram(
            "btc.live.latency", "s", "From a page's commit to its event written to a live stream.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });
    }

    public Meter Meter { get; }
    public Counter<long> Cycles { get; }
    public Histogram<double> CycleDuration { get; }
    public Counter<long> Pages { get; }
    public Counter<long> Rows { get; }
    public Counter<long> CoinGeckoCalls { get; }
    public Histogram<double> RankRecompute { get; }
    public Counter<long> ApiCache { get; }
    public UpDownCounter<long> LiveStreams { get; }
    public Counter<long> LiveEvents { get; }
    public Counter<long> LiveReads { get; }
    public Counter<long> LiveDropped { get; }
    public Histogram<double> LiveLatency { get; }
}
