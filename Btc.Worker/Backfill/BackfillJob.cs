using System.Diagnostics;
using System.Net;
using Btc.Data.Backfill;
using Btc.Data.Currencies;
using Btc.Hosting.Jobs;
using Btc.Data.Prices;
using Btc.Worker.Backfill;
using Btc.Worker.Budget;
using Btc.Worker.CoinGecko;
using Btc.Worker.History;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Refit;

namespace Btc.Worker.Backfill;

public sealed class BackfillJob(
    BackfillStore store,
    CurrencyStore currencies,
    BudgetPlanner budget,
    ICoinGeckoApi coinGecko,
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
            log.LogWarning("Backfill__Currencies names no currency CoinGecko lists ({Codes}): nothing is filled", string.Join(", ", codes));
            return;
        }
        if (await store.FindGapsAsync(horizon, TimeSpan.FromMinutes(options.Value.MinimumGapMinutes), options.Value.OnFirstStart, keys, ct) is > 0 and var found)
        {
            var progress = await store.ProgressAsync(ct);
            log.LogInformation("Backfill: {Found} new gaps found; {Left:N0} calls to fill what no cycle polled", found, progress.Tasks - progress.Done);
            // Said with each new gap rather than every minute.
            if (keys.Length < codes.Count)
                log.LogWarning("Backfill__Currencies names {Unknown}, which CoinGecko does not list: not filled",
                    string.Join(", ", codes.Except(known.Select(c => c.Code))));
        }

        var limits = await budget.FillLimitsAsync(ct);
        var (filled, points) = (0, 0);
        while (Stopwatch.GetElapsedTime(started) < RunFor)
        {
            var claim = await store.ClaimAsync(horizon, ct);
            if (claim is null)
                break;
            var fill = new FillCalls(limits);
            DateTime? waitUntil;
            int? stored;
            await using (claim)
            {
                (waitUntil, stored) = await FillAsync(claim, fill, ct);
            }
            if (stored is { } n)
                (filled, points) = (filled + 1, points + n);
            if (waitUntil is null)
                continue;
            // The minute's calls left are the next cycle's (or CoinGecko refuses): the task stays as it was. Wait for
            // the window to move on within this run, or leave the rest to a later run.
            var wait = waitUntil.Value - clock.GetUtcNow().UtcDateTime;
            if (wait > RunFor - Stopwatch.GetElapsedTime(started))
                break;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, clock, ct);
        }
        if (filled > 0)
            await SayProgressAsync(filled, points, ct);
    }

    /// <summary>
    /// Fetches and stores one task (the points stored; null when it failed), or says when to try again instead when no
    /// call could be made.
    /// </summary>
    private async Task<(DateTime? WaitUntil, int? Stored)> FillAsync(BackfillClaim claim, FillCalls fill, CancellationToken ct)
    {
        try
        {
            var (from, until) = FillRanges.Of(claim.Item.From, claim.Item.Until, clock.GetUtcNow().UtcDateTime);
            MarketChart chart;
            using (CallAttribution.ForFill(fill))
            {
                chart = await coinGecko.GetMarketChartRangeAsync(claim.Item.CoinId, claim.Item.CurrencyCode,
                    new DateTimeOffset(from).ToUnixTimeSeconds(), new DateTimeOffset(until).ToUnixTimeSeconds(), ct);
            }
            return (null, await claim.CompleteAsync(Points(chart).ToArray(), fill.Granted, ct));
        }
        catch (Exception e) when (CoinGeckoRateLimitedException.Find(e) is { } limited)
        {
            return (limited.RetryAt, null);
        }
        // CoinGecko refusing calls (its circuit open): filling stops until a later run.
        catch (Exception e) when (CoinGeckoCircuit.Refused(e))
        {
            return (DateTime.MaxValue, null);
        }
        // CoinGecko down or slow: not the task's fault, so it costs no attempt; it is put off a little, so that a
        // coin CoinGecko keeps failing on does not stand in front of the others, and filling stops for this run.
        catch (Exception e) when (Unavailable(e))
        {
            await claim.DeferAsync(PutOff, CancellationToken.None);
            log.LogInformation("Backfill paused until a later run: CoinGecko is unavailable ({Reason})", e.Message);
            return (DateTime.MaxValue, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await claim.FailAsync(fill.Granted, $"{e.GetType().Name}: {e.Message}", CancellationToken.None);
            log.LogWarning("Backfill of {Coin} in {Currency} failed (attempt {Attempt} of {Max}): {Reason}",
                claim.Item.CoinId, claim.Item.CurrencyCode, claim.Item.Attempts + 1, BackfillStore.MaxAttempts, e.Message);
            return (null, null);
        }
    }

    private async Task SayProgressAsync(int filled, int points, CancellationToken ct)
    {
        var progress = await store.ProgressAsync(ct);
        if (progress.Tasks == 0)
        {
            log.LogInformation("Backfill: done ({Filled} coin-currencies and {Points:N0} points in this run)", filled, points);
            return;
        }
        log.LogInformation("Backfill: {Progress}", progress.Describe(clock.GetUtcNow().UtcDateTime));
    }

    private static bool Unavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or TimeoutRejectedException or ApiException { StatusCode: >= HttpStatusCode.InternalServerError })
                return true;
        }
        return false;
    }

    /// <summary>The chart's usable points: CoinGecko's millisecond times to seconds; nulls and nonsense left out.</summary>
    private static IEnumerable<PricePoint> Points(MarketChart chart)
    {
        foreach (var point in chart.Prices ?? [])
        {
            if (point is [{ } ms, { } price] && double.IsFinite(ms) && double.IsFinite(price) && price > 0)
                yield return new PricePoint((long)Math.Floor(ms / 1000), price);
        }
    }
}
