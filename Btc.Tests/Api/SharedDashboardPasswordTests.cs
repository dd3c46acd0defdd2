using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;
using Dapper;
using Npgsql;

namespace Btc.Tests.Api;

/// <summary>
/// API processes of their own on one database, no dashboard password configured: the one the first made up is every
/// replica's, so a login works whichever replica a balancer picks.
/// </summary>
public sealed class SharedDashboardPasswordTests
{
    [Fact]
    public async Task Replicas_without_a_configured_password_accept_the_same_generated_one_and_never_log_it()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        var files = new[] { TempFile(), TempFile() };
        try
        {
            var both = await Task.WhenAll(files.Select(file => ApiProcess.StartAsync(db.ConnectionString,
                ("Dashboard__Password", ""), ("Dashboard__PasswordFile", file),
                // The test names a remote client with X-Forwarded-For: the dashboard asks it for the password.
                ("Api__TrustedProxies", "127.0.0.1"))));
            using var a = both[0];
            using var b = both[1];
            var password = await File.ReadAllTextAsync(files[0]);

            (await File.ReadAllTextAsync(files[1])).Should().Be(password, "each replica writes the one password");
            password.Should().HaveLength(20);
            (await LoginAsync(b, password)).Should().Be(HttpStatusCode.OK, "B accepts the password A wrote");
            (await LoginAsync(a, password)).Should().Be(HttpStatusCode.OK);
            (await LoginAsync(b, "wrong")).Should().Be(HttpStatusCode.Unauthorized);
            await using var connection = new NpgsqlConnection(db.ConnectionString);
            (await connection.QuerySingleAsync<string>("SELECT protected FROM dashboard_password"))
                .Should().NotContain(password, "stored protected by the shared key ring");
            foreach (var api in both)
                (api.Output.Text + api.Output.Errors).Should().Contain("btc-dashboard-password-", "it says where")
                    .And.NotContain(password, "and never what");
        }
        finally
        {
            foreach (var file in files)
                File.Delete(file);
        }
    }

    private static string TempFile() =>
        Path.Combine(Path.GetTempPath(), $"btc-dashboard-password-{Guid.NewGuid():N}");

    private static async Task<HttpStatusCode> LoginAsync(ApiProcess api, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{password}")));
        using var response = await api.Http.SendAsync(request);
        return response.StatusCode;
    }
}
