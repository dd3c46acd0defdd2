using System.Diagnostics;
using System.Globalization;
using System.Net;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;
using Xunit.Abstractions;

namespace Btc.Tests.Scaling;

/// <summary>
/// A client's request rate and stream cap hold through Caddy with three API replicas as with one, other clients'
/// traffic interleaved, and again after one of the three is killed. Clients are told apart by their own addresses
/// (127.0.0.x), which the proxy forwards and the API believes of it.
/// </summary>
[Trait("Category", "Faults")]
public sealed class LimitsBehindProxyTests(ITestOutputHelper output)
{
    private const int Rate = 20;
    private const int Cap = 10;

    private static readonly Dictionary<string, string> Limits = new()
    {
        ["Api__RequestsPerSecond"] = $"{Rate}", ["Api__Burst"] = $"{Rate}", ["Api__MaxStreamsPerClient"] = $"{Cap}",
    };

    [Fact]
    public async Task A_client_s_rate_and_stream_cap_hold_with_three_replicas_after_one_is_killed_and_with_one()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        using var replicas = await ApiReplicas.StartAsync(db.ConnectionString, 3, Limits);
        var (a, b, c) = (replicas.Running[0], replicas.Running[1], replicas.Running[2]);
        await RateProbe.AllSeeAsync([a.Http, b.Http, c.Http], 3);
        var three = await AdmittedAsync(replicas, 21);
        var streams = await OpenStreamsAsync(replicas, 23);
        var onKilled = await ActiveRequestsAsync(c) - 1;

        var killed = Stopwatch.StartNew();
        replicas.Kill(c);
        await RateProbe.AllSeeAsync([a.Http, b.Http], 2);
        var afterKill = await AdmittedAsync(replicas, 24);
        var rateBackIn = killed.Elapsed;
        // The proxy ends the streams it passed on from the killed replica; the others' stay open.
        await Eventually.Until(() => Task.FromResult(streams.Count(s => s.Ended.IsCompleted)), n => n >= onKilled,
            TimeSpan.FromSeconds(30), "the killed replica's streams to end");
        var survivors = streams.Where(s => !s.Ended.IsCompleted).ToList();
        var reopened = await OpenStreamsAsync(replicas, 23);
        var capBackIn = killed.Elapsed;

        b.Terminate();
        await b.Output.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(40)).Token);
        replicas.Forget(b);
        replicas.Forget(c);
        await RateProbe.AllSeeAsync([a.Http], 1);
        var alone = await AdmittedAsync(replicas, 26);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"admitted/s of {Rate}: 3 replicas {three:0.0}, 2 after a kill {afterKill:0.0} (measured by " +
            $"{rateBackIn.TotalSeconds:0.0} s), 1 replica {alone:0.0}; streams of cap {Cap}, {Cap + 5} asked of 3: " +
            $"{streams.Count} admitted ({onKilled} on the killed one); after the kill {reopened.Count} more beside " +
            $"the {survivors.Count} left (by {capBackIn.TotalSeconds:0.0} s)"));

        three.Should().BeInRange(Rate * 0.8, Rate * 1.2, "three replicas hold the client to its rate together");
        streams.Count.Should().BeInRange((int)(Cap * 0.8), (int)(Cap * 1.2), "the cap holds over three replicas");
        onKilled.Should().BeGreaterThan(0, "the proxy spread the streams, some on the replica killed");
        afterKill.Should().BeInRange(Rate * 0.8, Rate * 1.2, "the two left share the rate between them");
        rateBackIn.Should().BeLessThan(TimeSpan.FromSeconds(30));
        (survivors.Count + reopened.Count).Should().BeInRange((int)(Cap * 0.8), (int)(Cap * 1.2),
            "the killed replica's streams no longer count, and the others' still do");
        capBackIn.Should().BeLessThan(TimeSpan.FromSeconds(30));
        alone.Should().BeInRange(Rate * 0.8, Rate * 1.2, "one replica holds the client to the same rate");
        foreach (var stream in streams.Concat(reopened))
            stream.Response.Dispose();
    }

    private sealed record OpenStream(HttpResponseMessage Response, Task Ended);

    /// <summary>
    /// The rate admitted to the client at 127.0.0.<paramref name="host"/>, the next address's requests interleaved.
    /// </summary>
    private static async Task<double> AdmittedAsync(ApiReplicas replicas, int host)
    {
        using var mine = replicas.Client(IPAddress.Parse($"127.0.0.{host}"));
        using var other = replicas.Client(IPAddress.Parse($"127.0.0.{host + 1}"));
        return await RateProbe.AdmittedAsync(Rate, _ => RateProbe.StockAsync(mine), _ => RateProbe.StockAsync(other));
    }

    /// <summary>Opens cap + 5 streams one by one through the proxy; returns those admitted.</summary>
    private static async Task<List<OpenStream>> OpenStreamsAsync(ApiReplicas replicas, int host)
    {
        // Not disposed here: the streams stay open on its connections until the test disposes them.
        var http = replicas.Client(IPAddress.Parse($"127.0.0.{host}"));
        http.Timeout = Timeout.InfiniteTimeSpan;
        var open = new List<OpenStream>();
        for (var i = 0; i < Cap + 5; i++)
        {
            var response = await http.GetAsync("/live?currency=usd", HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.OK)
                open.Add(new OpenStream(response, DrainAsync(response)));
            else
            {
                response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
                response.Dispose();
            }
        }
        return open;
    }

    /// <summary>Reads a stream until it ends (or breaks).</summary>
    private static async Task DrainAsync(HttpResponseMessage response)
    {
        try
        {
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException)
        {
            // Broken rather than ended: over all the same.
        }
    }

    /// <summary>Requests a replica is serving (its open streams, and this /metrics request).</summary>
    private static async Task<int> ActiveRequestsAsync(ApiProcess replica) =>
        (await replica.Http.GetStringAsync("/metrics")).Split('\n')
        .Where(line => line.StartsWith("http_server_active_requests{", StringComparison.Ordinal))
        .Sum(line => (int)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
