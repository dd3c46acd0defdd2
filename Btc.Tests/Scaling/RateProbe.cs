using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Scaling;

/// <summary>
/// How many requests a second the API replicas admit for one client, and how many replicas each sees.
/// </summary>
public static partial class RateProbe
{
    /// <summary>
    /// Sends <paramref name="mine"/> at 2.5 times <paramref name="rate"/> while another client sends
    /// <paramref name="other"/> at a quarter of it, interleaved, and returns the requests a second admitted for the
    /// first over a window after its burst is spent; the other client must get every answer.
    /// </summary>
    public static async Task<double> AdmittedAsync(
        int rate, Func<int, Task<HttpStatusCode>> mine, Func<int, Task<HttpStatusCode>> other)
    {
        var warmUp = TimeSpan.FromSeconds(1.5);
        var window = TimeSpan.FromSeconds(5);
        var clock = Stopwatch.StartNew();
        var measured = new List<Task<HttpStatusCode>>();
        var others = new List<Task<HttpStatusCode>>();
        var sent = 0;
        while (clock.Elapsed < warmUp + window)
        {
            // However late the loop wakes on a loaded machine, the requests due by now go out.
            for (; sent < clock.Elapsed.TotalSeconds * rate * 2.5; sent++)
            {
                var status = mine(sent);
                if (clock.Elapsed >= warmUp)
                    measured.Add(status);
            }
            for (var i = others.Count; i < clock.Elapsed.TotalSeconds * rate / 4; i++)
                others.Add(other(i));
            await Task.Delay(10);
        }
        await Task.WhenAll(measured.Concat(others));
        others.Select(s => s.Result).Should()
            .OnlyContain(s => s == HttpStatusCode.OK, "another client's requests count only against its own rate");
        measured.Select(s => s.Result).Should()
            .OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.TooManyRequests);
        return measured.Count(s => s.Result == HttpStatusCode.OK) / window.TotalSeconds;
    }

    /// <summary>GET /stock, its status only.</summary>
    public static async Task<HttpStatusCode> StockAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/stock");
        return response.StatusCode;
    }

    /// <summary>Waits until every replica counts <paramref name="live"/> replicas (btc_api_replicas).</summary>
    public static Task AllSeeAsync(IEnumerable<HttpClient> replicas, int live) => Eventually.Until(
        async () => await Task.WhenAll(replicas.Select(async r => Seen(await r.GetStringAsync("/metrics")))),
        seen => seen.All(n => n == live), TimeSpan.FromSeconds(25), $"every replica to see {live} replicas");

    private static int Seen(string metrics) =>
        Replicas().Match(metrics) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : 0;

    [GeneratedRegex(@"^btc_api_replicas(?:\{[^}]*\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex Replicas();
}
