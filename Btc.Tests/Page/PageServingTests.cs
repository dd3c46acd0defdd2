using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Btc.Tests.Infrastructure;
using Btc.Tests.Running;

namespace Btc.Tests.Page;

/// <summary>How the page's files are served: no key, hashed addresses cached for good, compressed, small.</summary>
public sealed partial class PageServingTests : IAsyncLifetime
{
    private DatabaseFixture _db = null!;
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _db = await DatabaseFixture.CreateAsync();
        _api = new ApiFactory(_db.ConnectionString, TimeProvider.System, ("Api:RequireKey", "true"));
        _client = _api.CreateClient(new() { AllowAutoRedirect = false });
    }

    [Fact]
    public async Task A_browser_asking_for_the_root_goes_to_the_page_and_api_clients_keep_the_json_list()
    {
        var browser = new HttpRequestMessage(HttpMethod.Get, "/");
        browser.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        var redirected = await _client.SendAsync(browser);
        redirected.StatusCode.Should().Be(HttpStatusCode.Redirect);
        redirected.Headers.Location!.ToString().Should().Be("/app");

        // Keys are required here: the JSON list still wants one, the page and its deep links do not.
        (await _client.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        foreach (var path in new[] { "/app", "/app/coins/bitcoin?currency=eur&window=7d" })
        {
            var page = await _client.GetAsync(path);
            page.StatusCode.Should().Be(HttpStatusCode.OK, path);
            page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
            page.Headers.CacheControl!.NoCache.Should().BeTrue();
        }
    }

    [Fact]
    public async Task Every_file_the_html_names_is_hashed_cached_for_a_year_compressed_and_all_under_150_kb()
    {
        var (html, htmlBytes) = await CompressedAsync("/app");
        var addresses = Addresses().Matches(html).Select(m => m.Groups[1].Value).Distinct().ToArray();
        addresses.Should().Contain(a => a.Contains("lightweight-charts")).And.Contain(a => a.Contains("main.js"));
        var total = htmlBytes;
        foreach (var address in addresses)
        {
            var response = await _client.SendAsync(Compressed(address));
            response.StatusCode.Should().Be(HttpStatusCode.OK, address);
            var cache = response.Headers.CacheControl!;
            (cache.Public, cache.MaxAge).Should().Be((true, TimeSpan.FromDays(365)), address);
            cache.Extensions.Select(e => e.Name).Should().Contain("immutable");
            var body = await response.Content.ReadAsByteArrayAsync();
            if (body.Length > 1000)
                response.Content.Headers.ContentEncoding.Should().Equal(["br"], address);
            total += body.Length;
            var hash = address[(address.IndexOf("?v=", StringComparison.Ordinal) + 3)..];
            var stale = await _client.GetAsync(address.Replace(hash, "0000000000000000"));
            stale.Headers.CacheControl!.NoCache.Should().BeTrue("an address naming other content is asked again");
        }
        total.Should().BeLessThanOrEqualTo(150 * 1024, "a first load transfers at most 150 KB compressed");
    }

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("identity", null)]
    public async Task Each_file_comes_in_the_form_asked_for_with_its_own_etag_and_decodes_to_the_same_bytes(
        string accepted, string? expected)
    {
        var html = await _client.GetStringAsync("/app");
        var module = Addresses().Matches(html).Select(m => m.Groups[1].Value).First(a => a.Contains("main.js"));
        var plain = await _client.GetByteArrayAsync(module);
        using var request = new HttpRequestMessage(HttpMethod.Get, module);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accepted);

        var response = await _client.SendAsync(request);

        response.Content.Headers.ContentEncoding.Should().Equal(expected is null ? [] : [expected]);
        response.Headers.Vary.Should().Contain("Accept-Encoding");
        var body = await response.Content.ReadAsByteArrayAsync();
        Decode(body, expected).Should().Equal(plain);
        using var again = new HttpRequestMessage(HttpMethod.Get, module);
        again.Headers.TryAddWithoutValidation("Accept-Encoding", accepted);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        (await _client.SendAsync(again)).StatusCode.Should().Be(HttpStatusCode.NotModified);
    }

    private static byte[] Decode(byte[] body, string? encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoded = encoding switch
        {
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            _ => input,
        };
        using var output = new MemoryStream();
        decoded.CopyTo(output);
        return output.ToArray();
    }

    [Fact]
    public void The_vendored_files_match_their_pinned_versions()
    {
        var root = ComposeFileTests.RepositoryRoot();
        var pins = File.ReadAllLines(Path.Combine(root, "tools/vendor/pins.tsv")).Where(l => !l.StartsWith('#'))
            .Select(l => l.Split('\t')).ToArray();
        pins.Select(p => p[0]).Should().Equal("lightweight-charts", "axe-core");
        foreach (var (package, version, file, sha256, folder) in pins.Select(p => (p[0], p[1], p[3], p[4], p[5])))
        {
            var path = Path.Combine(root, folder, Path.GetFileName(file));
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).Should().Be(sha256, path);
            File.ReadLines(path).Take(3).Should().Contain(l => l.Contains($"v{version}"), $"{package}'s banner");
            File.Exists(Path.Combine(root, folder, $"{package}.LICENSE.txt")).Should().BeTrue();
        }
    }

    private HttpRequestMessage Compressed(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        return request;
    }

    private async Task<(string Html, int Bytes)> CompressedAsync(string path)
    {
        var compressed = await (await _client.SendAsync(Compressed(path))).Content.ReadAsByteArrayAsync();
        return (await _client.GetStringAsync(path), compressed.Length);
    }

    [GeneratedRegex("""(/app/assets/[^"'\s]+\?v=[0-9a-f]{16})""")]
    private static partial Regex Addresses();

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
        await _db.DisposeAsync();
    }
}
