using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Btc.Api.Access;
using Btc.Api.Page;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Btc.Api.Warmup;

/// <summary>
/// Once the server listens, the API asks itself, over its own port, the reads a first visitor's page makes: the page,
/// the currencies, the budget, the last cycle, the volatility board, and the board's top coin's name and series. The
/// first of each read costs compilations and first queries (a cold API took 0.5 to 1.4 s a read); paid here, before
/// /health/ready says yes, they do not fall on a user. Best effort: a failed read still warmed what it reached.
/// </summary>
public sealed class WarmupRun(
    IServer server,
    IHostApplicationLifetime lifetime,
    WarmupKey key,
    PageFiles page,
    TimeProvider clock,
    ILogger<WarmupRun> log) : BackgroundService
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private string? _outcome;
    private int _asked;
    private int _failed;
    private int _files;

    public bool Finished => Volatile.Read(ref _outcome) is not null;
    public string Outcome => Volatile.Read(ref _outcome) ?? "";

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stopping);
        if (OwnAddress() is not { } address)
        {
            Finish("No plain-HTTP address to ask through: no warm-up.");
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(Deadline);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address };
        http.DefaultRequestHeaders.Add(ApiKeyCheck.Header, key.Value);
        var timer = Stopwatch.StartNew();
        var stop = "";
        try
        {
            await AskPageAsync(http, deadline.Token);
            foreach (var path in await PathsAsync(http, deadline.Token))
                await AskAsync(http, path, deadline.Token);
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            // The deadline, or an answer that is not the board's JSON: the reads made so far still warmed.
            stop = $" It stopped early: {e.GetType().Name}.";
        }
        Finish($"Warmed up: the page's {_files} files and {_asked} reads in {timer.ElapsedMilliseconds} ms, "
            + $"{_failed} of them failed.{stop}");
    }

    /// <summary>The page's files, compressed as browsers ask (made once, on the first ask).</summary>
    private async Task AskPageAsync(HttpClient http, CancellationToken ct)
    {
        foreach (var address in page.Addresses)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.AcceptEncoding.ParseAdd("gzip, br");
            using var response = await http.SendAsync(request, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            _files++;
        }
    }

    /// <summary>The reads to make: the fixed ones, then the board's top coin's (none on a new install).</summary>
    private async Task<IReadOnlyList<string>> PathsAsync(HttpClient http, CancellationToken ct)
    {
        string[] fixedReads = ["/app", "/currencies", "/budget", "/cycles?count=1"];
        foreach (var path in fixedReads)
            await AskAsync(http, path, ct);
        var coin = await TopCoinAsync(http, ct);
        if (coin is null)
            return [];
        var id = Uri.EscapeDataString(coin);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        return
        [
            $"/coins?search={id}&limit=1",
            $"/stock/{id}/usd?from={now - 86_400}&source=polled",
            $"/stock/{id}/usd?from={now - 86_400}&interval=minute&source=filled",
            $"/stock/{id}/usd?from={now - 30 * 86_400}&interval=hour&fields=ohlc",
            $"/stock/{id}/usd?from={now - 365 * 86_400}&interval=day&fields=ohlc",
        ];
    }

    private async Task<string?> TopCoinAsync(HttpClient http, CancellationToken ct)
    {
        _asked++;
        using var response = await http.GetAsync("/volatility?currency=usd&limit=20", ct);
        if (!response.IsSuccessStatusCode)
        {
            _failed++;
            return null;
        }
        var board = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return board.TryGetProperty("coins", out var coins) && coins.GetArrayLength() > 0
            ? coins[0].GetProperty("id").GetString()
            : null;
    }

    private async Task AskAsync(HttpClient http, string path, CancellationToken ct)
    {
        _asked++;
        try
        {
            using var response = await http.GetAsync(path, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            // A 404 is an answer (no prices in the window, say) and warmed the read as much as a 200.
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
                _failed++;
        }
        catch (HttpRequestException)
        {
            _failed++;
        }
    }

    /// <summary>Where this process listens for plain HTTP, as loopback when it listens on every address.</summary>
    private Uri? OwnAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) is not { } first)
            return null;
        var uri = new Uri(first.Replace("://+:", "://0.0.0.0:").Replace("://*:", "://0.0.0.0:"));
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri;
    }

    private void Finish(string outcome)
    {
        key.Retire();
        Volatile.Write(ref _outcome, outcome);
        log.LogInformation("{Outcome}", outcome);
    }
}
