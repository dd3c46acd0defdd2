using System.Net;
using Btc.Tests.Infrastructure;
using Btc.Tests.Scaling;
using Npgsql;

namespace Btc.Tests.Api;

/// <summary>
/// A replica cut off from the registry of replicas (the database link it writes through) keeps serving, giving a
/// client the whole rate. The limits across replicas behind the proxy are Scaling/LimitsBehindProxyTests'.
/// </summary>
[Trait("Category", "Faults")]
public sealed class LimitsAcrossReplicasTests
{
    private const int Rate = 20;

    private static readonly (string, string)[] Limits =
    [
        ("Api__RequestsPerSecond", $"{Rate}"), ("Api__Burst", $"{Rate}"),
    ];

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
        await RateProbe.AllSeeAsync([cutHttp, otherHttp], 2);

        link.Close();
        await RateProbe.AllSeeAsync([cutHttp], 1);
        var alone = await RateProbe.AdmittedAsync(Rate, _ => GetAsync(cutHttp, "203.0.113.5"),
            _ => GetAsync(cutHttp, "198.51.100.5"));

        alone.Should().BeInRange(Rate * 0.8, Rate * 1.2, "alone, the replica gives a client the whole rate");
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient http, string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stock");
        request.Headers.Add(ApiFactory.RemoteAddressHeader, client);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
