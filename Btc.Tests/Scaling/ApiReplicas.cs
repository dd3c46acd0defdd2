using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Btc.Tests.Infrastructure;
using Btc.Tests.Live;

namespace Btc.Tests.Scaling;

/// <summary>
/// N Btc.Api processes behind Debian's Caddy, as compose runs `--scale api=N`: every replica on the same port of its
/// own loopback address (127.0.0.11, .12, …), one DNS name answering with the replicas' addresses, Caddy finding them
/// through it. A test adds, kills or stops replicas and sends its requests to <see cref="ProxyUrl"/>.
/// </summary>
public sealed class ApiReplicas : IDisposable
{
    public const string Name = "api.btc.test";

    /// <summary>What every replica gets unless the caller says otherwise: Caddy believed, a short drain.</summary>
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        // Caddy connects to 127.0.0.11 from 127.0.0.1; clients come from elsewhere in 127/8 (From).
        ["Api__TrustedProxies"] = "127.0.0.0/30",
        ["Api__DrainSeconds"] = "2",
        ["Dashboard__Password"] = "s3cret-pass",
    };

    private readonly List<ApiProcess> _started = [];
    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private int _nextAddress = 11;

    private ApiReplicas(string connectionString, IReadOnlyDictionary<string, string> settings, int port)
    {
        _connectionString = connectionString;
        _settings = settings;
        Port = port;
    }

    public int Port { get; }
    public TestDns Dns { get; } = TestDns.Start(Name);
    public Caddy Proxy { get; private set; } = null!;
    public Uri ProxyUrl => new($"http://127.0.0.1:{Proxy.Port}");

    /// <summary>The replicas DNS names that are still running, oldest first.</summary>
    public IReadOnlyList<ApiProcess> Running =>
        _started.Where(r => !r.Output.Process.HasExited && Dns.Addresses.Contains(r.Address)).ToArray();

    /// <summary>
    /// Starts <paramref name="count"/> replicas with <paramref name="settings"/> over the defaults, then Caddy.
    /// </summary>
    public static async Task<ApiReplicas> StartAsync(
        string connectionString, int count, IReadOnlyDictionary<string, string>? settings = null)
    {
        var merged = new Dictionary<string, string>(Defaults);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            merged[key] = value;
        var replicas = new ApiReplicas(connectionString, merged, ApiProcess.FreePort());
        try
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ => replicas.StartOneAsync()));
            replicas.Dns.Set(replicas._started.Select(r => r.Address));
            replicas.Proxy = await Caddy.StartAsync(replicas.Dns, replicas.Port);
            await replicas.SettledAsync();
            return replicas;
        }
        catch
        {
            // Nobody else holds them yet: a fixture that failed to start is never disposed.
            replicas.Dispose();
            throw;
        }
    }

    /// <summary>One more replica, named in DNS once it is ready; returns when the proxy sends it requests.</summary>
    public async Task<ApiProcess> AddAsync()
    {
        var replica = await StartOneAsync();
        Dns.Set([.. Dns.Addresses, replica.Address]);
        await SettledAsync();
        return replica;
    }

    /// <summary>Starts replicas until <paramref name="count"/> run (after a test killed or stopped some).</summary>
    public async Task EnsureAsync(int count)
    {
        while (Running.Count < count)
            await AddAsync();
    }

    /// <summary>kill -9: the replica stays in DNS, as a crashed container does until Docker restarts it.</summary>
    public void Kill(ApiProcess replica) => replica.Kill();

    /// <summary>Takes a replica out of DNS, as Docker does once its container has exited.</summary>
    public void Forget(ApiProcess replica) => Dns.Set(Dns.Addresses.Where(a => !a.Equals(replica.Address)));

    /// <summary>A client of the proxy whose connections come from <paramref name="from"/> (else 127.0.0.1).</summary>
    public HttpClient Client(IPAddress? from = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = ProxyUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>How many requests of <paramref name="route"/> a replica has answered, from its own /metrics.</summary>
    public static async Task<long> ServedAsync(ApiProcess replica, string route)
    {
        var text = await replica.Http.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
                && line.Contains($"http_route=\"{route}\"", StringComparison.Ordinal))
            .Sum(line => (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private async Task<ApiProcess> StartOneAsync()
    {
        var address = IPAddress.Parse($"127.0.0.{Interlocked.Increment(ref _nextAddress) - 1}");
        var replica = await ApiProcess.StartAsync(_connectionString, address, Port, _settings);
        lock (_started)
            _started.Add(replica);
        if (replica.Output.Process.HasExited)
            throw new InvalidOperationException($"The replica on {address} stopped at start: {replica.Output.Errors}");
        return replica;
    }

    /// <summary>Until the proxy has sent a request to every running replica: its DNS refresh saw them all.</summary>
    private async Task SettledAsync()
    {
        using var http = Client();
        var running = Running;
        var before = await Task.WhenAll(running.Select(r => ServedAsync(r, "/health/live")));
        await Eventually.Until(async () =>
        {
            for (var i = 0; i < running.Count; i++)
                (await http.GetAsync("/health/live")).EnsureSuccessStatusCode();
            var now = await Task.WhenAll(running.Select(r => ServedAsync(r, "/health/live")));
            return now.Zip(before).Count(pair => pair.First > pair.Second);
        }, reached => reached == running.Count, TimeSpan.FromSeconds(30), "the proxy to reach every replica");
    }

    public void Dispose()
    {
        Proxy?.Dispose();
        Dns.Dispose();
        foreach (var replica in _started)
            replica.Dispose();
    }
}
