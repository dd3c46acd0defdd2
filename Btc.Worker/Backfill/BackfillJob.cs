using System.Diagnostics;
using Btc.Data.Backfill;
using Btc.Data.Budget;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.Prices;
using Btc.Worker.Backfill;
using Btc.Worker.Budget;
using Btc.Worker.CoinGecko;
using Btc.Worker.History;
using Microsoft.Extensions.Options;

namespace Btc.Worker.Backfill;

public sealed class BackfillJob(
    BackfillStore store,
    CurrencyStore currencies,
    BudgetPlanner budget,
    CoinGeckoClient coinGecko,
    IOptions<BackfillOptions> options,
    IOptions<RetentionOptions> retention,
    TimeProvider clock,
    ILogger<BackfillJob> log) : IBackfillJob
{
    // Runs every minute; any replica may take the next run, and tasks are claimed one by one, so filling spreads.
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(50);
    private static readonly TimeSpan PutOff = TimeSpan.FromSeconds(15);

    public async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var codes = options.Value.CurrencyList;
        if (codes.Count == 0)
            return;
        var known = await currencies.ListAsync(ct);
        var keys = known.Where(c => codes.Contains(c.Code)).Select(c => c.CurrencyKey).ToArray();

        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = now.Date.AddDays(-retention.Value.MinuteDays);
        await store.DropBeforeAsync(horizon, ct);
        // Without a currency to fill in, a gap recorded now would be recorded without tasks, and never again.
        if (keys.Length == 0)
        {
            log.LogWarning("Backfill__Currencies names no currency CoinGecko lists ({Codes}): nothing is filled",
                string.Join(", ", codes));
            return;
        }
        var minimumGap = TimeSpan.FromMinutes(options.Value.MinimumGapMinutes);
        if (await store.FindGapsAsync(horizon, minimumGap, options.Value.OnFirstStart, keys, ct) is > 0 and var found)
        {
            var progress = await store.ProgressAsync(ct);
            log.LogInformation("Backfill: {Found} new gaps found; {Left:N0} calls to fill what no cycle polled",
                found, progress.Tasks - progress.Done);
            // Said with each new gap rather than every minute.
            if (keys.Length < codes.Count)
                log.LogWarning("Backfill__Currencies names {Unknown}, which CoinGecko does not list: not filled",
                    string.Join(", ", codes.Except(known.Select(c => c.Code))));
        }

        var limits = await budget.FillLimitsAsync(ct);
        var (filled, points) = await FillWhileTimeLeftAsync(started, horizon, limits, ct);
        if (filled > 0)
            await SayProgressAsync(filled, points, ct);
    }

    /// <summary>
    /// Claims and fills tasks one by one until the run's time is up, none is left or CoinGecko stops it.
    /// </summary>
    private async Task<(int Filled, int Points)> FillWhileTimeLeftAsync(
        long started, DateTime horizon, CallLimits limits, CancellationToken ct)
    {
        var (filled, points) = (0, 0);
        while (Stopwatch.GetElapsedTime(started) < RunFor)
        {
            var claim = await store.ClaimAsync(horizon, ct);
            if (claim is null)
                break;
            FillResult result;
            await using (claim)
            {
                result = await FillAsync(claim, limits, ct);
            }
            if (result is FillResult.Stored stored)
                (filled, points) = (filled + 1, points + stored.Points);
            if (result is FillResult.StopRun)
                break;
            if (result is not FillResult.WaitUntil { Until: var until })
                continue;
            // The minute's calls left are the next cycle's (or CoinGecko refuses): the task stays as it was. Wait for
            // the window to move on within this run, or leave the rest to a later run.
            var wait = until - clock.GetUtcNow().UtcDateTime;
            if (wait > RunFor - Stopwatch.GetElapsedTime(started))
                break;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, clock, ct);
        }
        return (filled, points);
    }

    /// <summary>Fetches and stores one task, or says why not and what the run does next.</summary>
    private async Task<FillResult> FillAsync(BackfillClaim claim, CallLimits limits, CancellationToken ct)
    {
        var (from, until) = FillRanges.Of(claim.Item.From, claim.Item.Until, clock.GetUtcNow().UtcDateTime);
        var outcome = await coinGecko.GetMarketChartRangeAsync(
            limits, claim.Item.CoinId, claim.Item.CurrencyCode, from, until, ct);
        switch (outcome)
        {
            case CallOutcome<MarketChart>.Answered answered:
                return new FillResult.Stored(
                    await claim.CompleteAsync(Points(answered.Value).ToArray(), outcome.Calls, ct));
            case CallOutcome<MarketChart>.RateLimited limited:
                return new FillResult.WaitUntil(limited.Until);
            case CallOutcome<MarketChart>.BudgetRefused refused:
                return new FillResult.WaitUntil(refused.RetryAt);
            // CoinGecko failing (the circuit open): filling stops until a later run.
            case CallOutcome<MarketChart>.Paused:
                return new FillResult.StopRun();
            // CoinGecko down or slow: not the task's fault, so it costs no attempt; it is put off a little, so that a
            // coin CoinGecko keeps failing on does not stand in front of the others, and filling stops for this run.
            case CallOutcome<MarketChart>.Failed { Unavailable: true } down:
                await claim.DeferAsync(PutOff, CancellationToken.None);
                log.LogInformation(
                    "Backfill paused until a later run: CoinGecko is unavailable ({Reason})", down.Reason);
                return new FillResult.StopRun();
            case CallOutcome<MarketChart>.Failed failed:
                await claim.FailAsync(outcome.Calls, failed.Reason, CancellationToken.None);
                log.LogWarning("Backfill of {Coin} in {Currency} failed (attempt {Attempt} of {Max}): {Reason}",
                    claim.Item.CoinId, claim.Item.CurrencyCode, claim.Item.Attempts + 1, BackfillStore.MaxAttempts,
                    failed.Reason);
                return new FillResult.TaskFailed();
            default:
                throw new UnreachableException($"Unknown call outcome {outcome}");
        }
    }

    private async Task SayProgressAsync(int filled, int points, CancellationToken ct)
    {
        var progress = await store.ProgressAsync(ct);
        if (progress.Tasks == 0)
        {
            log.LogInformation(
                "Backfill: done ({Filled} coin-currencies and {Points:N0} points in this run)", filled, points);
            return;
        }
        log.LogInformation("Backfill: {Progress}", progress.Describe(clock.GetUtcNow().UtcDateTime));
    }

    /// <summary>
    /// The chart's usable points: CoinGecko's millisecond times to seconds; nulls and nonsense left out.
    /// </summary>
    private static IEnumerable<PricePoint> Points(MarketChart chart)
    {
        foreach (var point in chart.Prices ?? [])
        {
            if (point is [{ } ms, { } price] && double.IsFinite(ms) && double.IsFinite(price) && price > 0)
                yield return new PricePoint((long)Math.Floor(ms / 1000), price);
        }
    }
}
