using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;
using Npgsql;
using Xunit.Abstractions;

namespace Btc.Tests.Api;

/// <summary>
/// A client's request rate and stream cap hold across API processes on one database as in one: the client here
/// spreads its requests over the replicas round robin itself, as a balancer would.
/// </summary>
[Trait("Category", "Faults")]
public sealed partial class LimitsAcrossReplicasTests(ITestOutputHelper output)
{
    private const int Rate = 20;
    private const int Cap = 10;

    private static readonly (string, string)[] Limits =
    [
        ("Api__RequestsPerSecond", $"{Rate}"), ("Api__Burst", $"{Rate}"), ("Api__MaxStreamsPerClient", $"{Cap}"),
        // The test's client names itself with X-Forwarded-For, as a balancer names the clients it forwards.
        ("Api__TrustedProxies", "127.0.0.1"),
    ];

    [Fact]
    public async Task A_client_s_rate_and_stream_cap_hold_with_three_replicas_after_one_is_killed_and_with_one()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var started = await Task.WhenAll(Enumerable.Range(0, 3)
            .Select(_ => ApiProcess.StartAsync(db.ConnectionString, Limits)));
        using var a = started[0];
        using var b = started[1];
        using var c = started[2];
        await AllSeeAsync([a, b, c], 3);
        var three = await AdmittedRateAsync([a, b, c], "203.0.113.1");
        var streams = await OpenStreamsAsync([a, b, c], "203.0.113.2", Cap + 5);

        var killed = Stopwatch.StartNew();
        c.Kill();
        await AllSeeAsync([a, b], 2);
        var afterKill = await AdmittedRateAsync([a, b], "203.0.113.3");
        var rateBackIn = killed.Elapsed;
        var survivors = streams.Where(s => s.Api != c).ToList();
        var reopened = await OpenStreamsAsync([a, b], "203.0.113.2", Cap + 5);

        b.Terminate();
        await AllSeeAsync([a], 1);
        var alone = await AdmittedRateAsync([a], "203.0.113.4");
        output.WriteLine($"admitted/s: 3 replicas {three:0.0}, 2 after a kill {afterKill:0.0} (measured by " +
            $"{rateBackIn.TotalSeconds:0.0} s), 1 replica {alone:0.0}; streams, {Cap + 5} asked of 3 replicas: " +
            $"{streams.Count} admitted; after the kill {reopened.Count} more beside the {survivors.Count} left");

        three.Should().BeInRange(Rate * 0.8, Rate * 1.2, "three replicas hold the client to its rate together");
        streams.Count.Should().BeInRange((int)(Cap * 0.8), (int)(Cap * 1.2), "the cap holds over three replicas");
        streams.Select(s => s.Api).Distinct().Should().HaveCount(3, "the streams were spread over the replicas");
        afterKill.Should().BeInRange(Rate * 0.8, Rate * 1.2, "the two left share the rate between them");
        rateBackIn.Should().BeLessThan(TimeSpan.FromSeconds(30));
        (survivors.Count + reopened.Count).Should().BeInRange((int)(Cap * 0.8), (int)(Cap * 1.2),
            "the killed replica's streams no longer count, and the others' still do");
        alone.Should().BeInRange(Rate * 0.8, Rate * 1.2, "one replica holds the client to the same rate");
        foreach (var stream in streams.Concat(reopened))
            stream.Response.Dispose();
    }

    [Fact]
    public async Task A_replica_that_cannot_reach_the_registry_keeps_serving_with_limits_of_its_own()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        using var link = new TcpForwarder(direct.Host!, direct.Port);
        link.Open();
        var linked = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = link.Port };
        var settings = Limits.Select(l => (l.Item1.Replace("__", ":"), l.Item2)).ToArray();
        // It writes (and hears) through a link the test cuts, and reads the database directly, as from a replica.
        await using var cut = new ApiFactory(linked.ConnectionString, TimeProvider.System,
            [.. settings, ("ConnectionStrings:BtcReadOnly", db.ConnectionString)]);
        await using var other = new ApiFactory(db.ConnectionString, TimeProvider.System, settings);
        using var cutHttp = cut.CreateClient();
        using var otherHttp = other.CreateClient();
        await AllSeeAsync([cutHttp, otherHttp], 2);

        link.Close();
        await AllSeeAsync([cutHttp], 1);
        var alone = await AdmittedRateAsync([cutHttp], ApiFactory.RemoteAddressHeader, "203.0.113.5");

        alone.Should().BeInRange(Rate * 0.8, Rate * 1.2, "alone, the replica gives a client the whole rate");
    }

    private sealed record OpenStream(ApiProcess Api, HttpResponseMessage Response);

    /// <summary>
    /// Drives <paramref name="client"/> at 2.5 times its rate over the replicas round robin while another client
    /// asks at a quarter of it, and returns the requests a second admitted over a window after its burst is spent;
    /// the other client must get every answer.
    /// </summary>
    private static Task<double> AdmittedRateAsync(ApiProcess[] replicas, string client) =>
        AdmittedRateAsync(replicas.Select(r => r.Http).ToArray(), "X-Forwarded-For", client);

    private static async Task<double> AdmittedRateAsync(HttpClient[] replicas, string header, string client)
    {
        var warmUp = TimeSpan.FromSeconds(1.5);
        var window = TimeSpan.FromSeconds(5);
        var other = $"198.51.100.{client.Split('.')[^1]}";
        var clock = Stopwatch.StartNew();
        var sent = new List<(TimeSpan At, string Client, Task<HttpStatusCode> Status)>();
        var (mine, others) = (0, 0);
        while (clock.Elapsed < warmUp + window)
        {
            // However late the loop wakes on a loaded machine, the requests due by now go out.
            for (; mine < clock.Elapsed.TotalSeconds * Rate * 2.5; mine++)
                sent.Add((clock.Elapsed, client, GetAsync(replicas[mine % replicas.Length], header, client)));
            for (; others < clock.Elapsed.TotalSeconds * Rate / 4; others++)
                sent.Add((clock.Elapsed, other, GetAsync(replicas[others % replicas.Length], header, other)));
            await Task.Delay(10);
        }
        await Task.WhenAll(sent.Select(s => s.Status));
        sent.Where(s => s.Client == other).Select(s => s.Status.Result).Should()
            .OnlyContain(s => s == HttpStatusCode.OK, "another client's requests count only against its own rate");
        var measured = sent.Where(s => s.Client == client && s.At >= warmUp).Select(s => s.Status.Result).ToList();
        measured.Should().OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.TooManyRequests);
        return measured.Count(s => s == HttpStatusCode.OK) / window.TotalSeconds;
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient http, string header, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stock");
        request.Headers.Add(header, client);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Opens <paramref name="count"/> streams one by one over the replicas; returns those admitted.</summary>
    private static async Task<List<OpenStream>> OpenStreamsAsync(ApiProcess[] replicas, string client, int count)
    {
        var open = new List<OpenStream>();
        for (var i = 0; i < count; i++)
        {
            var api = replicas[i % replicas.Length];
            var request = new HttpRequestMessage(HttpMethod.Get, "/live?currency=usd");
            request.Headers.Add("X-Forwarded-For", client);
            var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.OK)
                open.Add(new OpenStream(api, response));
            else
            {
                response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
                response.Dispose();
            }
        }
        return open;
    }

    /// <summary>Waits until every replica counts <paramref name="live"/> replicas (btc_api_replicas).</summary>
    private static Task AllSeeAsync(ApiProcess[] replicas, int live) =>
        AllSeeAsync(replicas.Select(r => r.Http).ToArray(), live);

    private static Task AllSeeAsync(HttpClient[] replicas, int live) => Eventually.Until(
        async () => await Task.WhenAll(replicas.Select(async r => Seen(await r.GetStringAsync("/metrics")))),
        seen => seen.All(n => n == live), TimeSpan.FromSeconds(25), $"every replica to see {live} replicas");

    private static int Seen(string metrics) =>
        Replicas().Match(metrics) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : 0;

    [GeneratedRegex(@"^btc_api_replicas(?:\{[^}]*\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex Replicas();
}
