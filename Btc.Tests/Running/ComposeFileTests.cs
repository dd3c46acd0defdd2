using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Btc.Tests.Running;

/// <summary>No Docker engine runs here, so compose.yaml and the Dockerfile are checked as documents.</summary>
public sealed class ComposeFileTests
{
    private static readonly string Root = RepositoryRoot();
    private static readonly YamlMappingNode Services = (YamlMappingNode)Load("compose.yaml")["services"];

    [Fact]
    public void Compose_defines_postgres_migrate_worker_api_and_an_offline_simulator()
    {
        Services.Children.Keys.Select(k => k.ToString()).Should()
            .BeEquivalentTo(
                "postgres", "migrate", "worker", "api", "proxy", "coingecko-simulator", "prometheus", "grafana");
        Scalar(Service("coingecko-simulator"), "profiles", 0).Should().Be("offline");
    }

    [Fact]
    public void The_monitoring_profile_scrapes_every_API_and_worker_replica_by_DNS_and_provisions_Grafana()
    {
        Scalar(Service("prometheus"), "profiles", 0).Should().Be("monitoring");
        Scalar(Service("grafana"), "profiles", 0).Should().Be("monitoring");
        var scrape = (YamlSequenceNode)Load("monitoring/prometheus.yml")["scrape_configs"];
        var jobs = scrape.Children.Cast<YamlMappingNode>().ToDictionary(j => j["job_name"].ToString());
        Scalar(jobs["api"], "dns_sd_configs", 0, "names", 0).Should().Be("api", "--scale api=N needs no edit");
        Scalar(jobs["api"], "dns_sd_configs", 0, "port").Should().Be("8080");
        Scalar(jobs["worker"], "dns_sd_configs", 0, "names", 0).Should().Be("worker",
            "one A record per replica: --scale needs no edit");
        Scalar(jobs["worker"], "dns_sd_configs", 0, "port")
            .Should().Be(Scalar(Service("worker"), "environment", "Worker__MetricsPort"));

        var mounts = ((YamlSequenceNode)Service("grafana")["volumes"])
            .Children.Select(v => v.ToString().Split(':')).ToDictionary(v => v[1], v => v[0]);
        var provisioning = mounts["/etc/grafana/provisioning"];
        Scalar(Load(Path.Combine(provisioning, "datasources/prometheus.yml")), "datasources", 0, "url")
            .Should().Be("http://prometheus:9090");
        Scalar(Load(Path.Combine(provisioning, "dashboards/btc.yml")), "providers", 0, "options", "path")
            .Should().Be("/var/lib/grafana/dashboards");
        var dashboard = System.Text.Json.JsonDocument.Parse(
            File.ReadAllText(Path.Combine(Root, mounts["/var/lib/grafana/dashboards"], "btc.json")))
            .RootElement;
        dashboard.GetProperty("panels").GetArrayLength().Should().BeGreaterThanOrEqualTo(10);
        DashboardExpressions().Should().OnlyContain(e => e.Length > 0);
    }

    /// <summary>Every PromQL expression the Grafana dashboard graphs.</summary>
    internal static IReadOnlyList<string> DashboardExpressions() =>
        System.Text.Json.JsonDocument.Parse(
                File.ReadAllText(Path.Combine(RepositoryRoot(), "monitoring/grafana/dashboards/btc.json")))
            .RootElement
            .GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToArray();

    [Fact]
    public void Worker_and_api_start_only_after_the_migrations_completed_and_migrations_after_postgres_is_healthy()
    {
        Scalar(Service("migrate"), "depends_on", "postgres", "condition").Should().Be("service_healthy");
        Scalar(Service("worker"), "depends_on", "migrate", "condition").Should().Be("service_completed_successfully");
        Scalar(Service("api"), "depends_on", "migrate", "condition").Should().Be("service_completed_successfully");
        Scalar(Service("migrate"), "restart").Should().Be("no");
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("worker")]
    [InlineData("api")]
    [InlineData("proxy")]
    [InlineData("coingecko-simulator")]
    public void Every_long_running_service_has_a_healthcheck_and_restarts_unless_stopped(string name)
    {
        var service = Service(name);
        ((YamlSequenceNode)((YamlMappingNode)service["healthcheck"])["test"]).Children.Should().HaveCountGreaterThan(1);
        Scalar(service, "restart").Should().Be("unless-stopped");
    }

    [Fact]
    public void Only_the_proxy_is_published_on_loopback_port_8000_and_two_workers_run_by_default()
    {
        Services.Children.Where(service => ((YamlMappingNode)service.Value).Children.ContainsKey("ports"))
            .Select(service => service.Key.ToString()).Should().BeEquivalentTo("proxy", "prometheus", "grafana");
        ((YamlSequenceNode)Service("proxy")["ports"])
            .Children.Select(p => p.ToString()).Should().Equal("127.0.0.1:8000:80");
        Scalar(Service("worker"), "deploy", "replicas").Should().Be("2");
        ((YamlMappingNode)Load("compose.yaml")["volumes"])
            .Children.Keys.Select(k => k.ToString()).Should().Contain("pgdata").And.Contain("caddy-data");
    }

    [Fact]
    public void The_api_scales_with_no_fixed_name_port_or_address_and_believes_the_proxy_on_dockers_networks()
    {
        var api = Service("api");
        api.Children.Keys.Select(k => k.ToString()).Should()
            .NotContain(["ports", "container_name", "hostname", "networks"], "`--scale api=3` starts three alike");
        var trusted = Scalar(api, "environment", "Api__TrustedProxies").Split(',')
            .Select(System.Net.IPNetwork.Parse).ToArray();
        // Docker's default address pools: the proxy's address is somewhere in them.
        foreach (var pool in new[] { "172.17.0.1", "172.31.255.254", "192.168.0.1", "10.0.0.1" })
            trusted.Should().Contain(n => n.Contains(System.Net.IPAddress.Parse(pool)), pool);
        int.Parse(Scalar(api, "environment", "Api__DrainSeconds")).Should()
            .BeLessThan(int.Parse(Scalar(api, "stop_grace_period").TrimEnd('s')), "Docker must not kill it mid-drain");
    }

    [Fact]
    public void The_proxy_runs_the_repositorys_Caddyfile_which_finds_the_api_replicas_by_dns()
    {
        var proxy = Service("proxy");
        var mounts = ((YamlSequenceNode)proxy["volumes"]).Children.Select(v => v.ToString().Split(':'))
            .ToDictionary(v => v[1], v => v[0]);
        var caddyfile = File.ReadAllText(Path.Combine(Root, mounts["/etc/caddy/Caddyfile"]));
        Scalar(proxy, "environment", "BTC_SITE").Should().Be("${BTC_DOMAIN:-:80}");
        Regex.Replace(caddyfile, @"#.*", "").Should()
            .Contain("dynamic a {$BTC_API_NAME:api} {$BTC_API_PORT:8080}", "the service's name and port")
            .And.Contain("flush_interval -1", "the live streams pass unbuffered")
            .And.Contain("lb_try_duration").And.Contain("fail_duration");
        Scalar(proxy, "depends_on", "api", "condition").Should().Be("service_healthy");
    }

    /// <summary>The Caddyfile as compose's proxy reads it (dns) and as run.sh does (list), by Debian's Caddy.</summary>
    [Theory]
    [InlineData("dns")]
    [InlineData("list")]
    public async Task The_Caddyfile_is_valid_for_caddy_2_6(string discovery)
    {
        var start = new System.Diagnostics.ProcessStartInfo("caddy",
            ["validate", "--adapter", "caddyfile", "--config", Path.Combine(Root, "proxy", "Caddyfile")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["BTC_API_DISCOVERY"] = discovery;
        start.Environment["BTC_API_UPSTREAMS"] = "127.0.0.1:8001 127.0.0.1:8002";
        start.Environment["HOME"] = Path.GetTempPath();
        using var caddy = System.Diagnostics.Process.Start(start)!;
        var output = await caddy.StandardOutput.ReadToEndAsync() + await caddy.StandardError.ReadToEndAsync();
        await caddy.WaitForExitAsync();

        caddy.ExitCode.Should().Be(0, output);
        output.Should().Contain("Valid configuration");
    }

    [Fact]
    public void The_CoinGecko_key_comes_from_the_environment_and_no_secret_is_committed()
    {
        Scalar(Service("worker"), "environment", "COINGECKO_API_KEY").Should().Be("${COINGECKO_API_KEY:-}");
        Scalar(Service("api"), "environment", "Dashboard__Password").Should().Be("${DASHBOARD_PASSWORD:-}");
        File.ReadAllText(Path.Combine(Root, ".gitignore")).Should().Contain(".env");
    }

    [Theory]
    [InlineData("migrate")]
    [InlineData("worker")]
    [InlineData("api")]
    [InlineData("coingecko-simulator")]
    public void Each_built_service_names_an_existing_context_dockerfile_and_stage(string name)
    {
        var build = (YamlMappingNode)Service(name)["build"];
        var context = Path.Combine(Root, build["context"].ToString());
        var dockerfile = Path.Combine(context, build["dockerfile"].ToString());
        File.Exists(dockerfile).Should().BeTrue();
        var stages = Regex.Matches(
            File.ReadAllText(dockerfile),
            @"^FROM\s+\S+\s+AS\s+(\S+)",
            RegexOptions.Multiline | RegexOptions.IgnoreCase)
            .Select(m => m.Groups[1].Value);
        stages.Should().Contain(build["target"].ToString());
    }

    [Fact]
    public void The_images_build_in_stages_restore_in_their_own_layer_and_run_as_a_non_root_user()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var restore = dockerfile.IndexOf("dotnet restore", StringComparison.Ordinal);
        restore.Should().BePositive().And.BeLessThan(dockerfile.IndexOf("COPY . .", StringComparison.Ordinal));
        var runtimeStages = Regex.Split(dockerfile, @"^FROM ", RegexOptions.Multiline).Skip(2).ToArray();
        runtimeStages.Should().HaveCount(4).And.OnlyContain(stage => stage.Contains("USER $APP_UID"));
        File.ReadAllText(Path.Combine(Root, ".dockerignore")).Should().Contain("**/bin/").And.Contain("**/obj/");
    }

    [Fact]
    public void Postgres_counts_as_healthy_only_when_it_accepts_TCP_connections()
    {
        var test = string.Join(
            ' ',
            ((YamlSequenceNode)((YamlMappingNode)Service("postgres")["healthcheck"])["test"]).Children);
        test.Should().Contain("pg_isready -h 127.0.0.1 -p 5432", "the init-time server listens on the socket only");
    }

    [Fact]
    public void Every_image_is_pinned_to_a_patch_version_and_the_SDK_is_one_global_json_allows()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var images = Regex.Matches(dockerfile, @"^FROM\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value)
            .Concat(Services.Children.Values.OfType<YamlMappingNode>()
                .Where(service => service.Children.ContainsKey("image")).Select(service => service["image"].ToString()))
            .ToList();
        images.Should().HaveCount(9).And.OnlyContain(image => Regex.IsMatch(image, @":v?\d+\.\d+(\.\d+)?$"),
            "a moving tag (17, 10.0, latest) changes under a build that passed");

        var sdk = Version.Parse(
            images.Single(image => image.Contains("/dotnet/sdk:", StringComparison.Ordinal)).Split(':')[1]);
        var globalJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "global.json")))
            .RootElement.GetProperty("sdk");
        var wanted = Version.Parse(globalJson.GetProperty("version").GetString()!);
        globalJson.GetProperty("rollForward").GetString().Should().Be("latestFeature");
        (sdk.Major, sdk.Minor).Should().Be((wanted.Major, wanted.Minor),
            "latestFeature rolls forward within a major.minor only");
        sdk.Build.Should().BeGreaterThanOrEqualTo(wanted.Build);

        var runtimes = images.Where(image => Regex.IsMatch(image, "/dotnet/(runtime|aspnet):"))
            .Select(image => image.Split(':')[1]).Distinct();
        runtimes.Should().ContainSingle("every service runs on the same runtime patch");
    }

    [Fact]
    public void The_restore_fails_on_the_first_project_that_fails()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        var restore = Regex.Match(dockerfile, @"^RUN (.*?dotnet restore(?:[^\n]*\\\n)*[^\n]*)", RegexOptions.Multiline)
            .Groups[1].Value;
        restore.Should().NotContain("; done", "a shell loop returns only its last command's status");
        Regex.Matches(restore, "dotnet restore").Should().HaveCount(Regex.Matches(restore, "&&").Count + 1);
        foreach (var project in new[] { "Btc.Api", "Btc.Worker", "Btc.Migrations", "tools/CoinGecko.Simulator" })
            restore.Should().Contain($"dotnet restore {project}");
    }

    [Fact]
    public void The_offline_profile_points_the_worker_at_the_simulator()
    {
        var simulator = Service("coingecko-simulator");
        Scalar(simulator, "profiles", 0).Should().Be("offline");
        Scalar(simulator, "environment", "Simulator__OmittedShare").Should().Be("0");
        Scalar(simulator, "environment", "Simulator__StaleShare").Should().Be("0");

        var worker = Service("worker");
        var entrypoint = string.Join('\n', ((YamlSequenceNode)worker["entrypoint"]).Children);
        entrypoint.Should().Contain("getent hosts coingecko-simulator")
            .And.Contain("CoinGecko__BaseUrl=http://coingecko-simulator:8080/api/v3")
            .And.Contain("exec dotnet Btc.Worker.dll");
        File.ReadAllText(Path.Combine(Root, "Dockerfile"))
            .Should().Contain("ENTRYPOINT [\"dotnet\", \"Btc.Worker.dll\"]",
                "the compose entrypoint runs the image's own program");
        Scalar(worker, "depends_on", "coingecko-simulator", "condition").Should().Be("service_healthy",
            "the simulator must resolve before the worker looks for it");
        Scalar(worker, "depends_on", "coingecko-simulator", "required").Should().Be("false",
            "without the profile the worker starts all the same");
    }

    [Fact]
    public void The_connection_pools_of_three_api_and_seven_worker_replicas_fit_in_the_servers_max_connections()
    {
        // A service's own key, else the one merged in from x-database (the YAML model does not apply `<<`).
        int PoolOf(string service)
        {
            var environment = (YamlMappingNode)Service(service)["environment"];
            var connection = environment.Children.TryGetValue("ConnectionStrings__Btc", out var own)
                ? own
                : ((YamlMappingNode)environment["<<"])["ConnectionStrings__Btc"];
            return int.Parse(Regex.Match(connection.ToString(), @"Maximum Pool Size=(\d+)").Groups[1].Value);
        }
        var postgresCommand = string.Join(' ', ((YamlSequenceNode)Service("postgres")["command"]).Children);
        var maxConnections = int.Parse(Regex.Match(postgresCommand, @"max_connections=(\d+)").Groups[1].Value);

        // Two pools a process (its own and Hangfire's), and the API's change listener and its coordination pool
        // (ReplicaSetup: 3); PostgreSQL keeps 3 for superusers.
        (3 * (2 * PoolOf("api") + 1 + 3) + 7 * 2 * PoolOf("worker") + 1)
            .Should().BeLessThanOrEqualTo(maxConnections - 3);
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Scalar(YamlNode node, params object[] path)
    {
        foreach (var step in path)
            node = step is int i ? ((YamlSequenceNode)node)[i] : ((YamlMappingNode)node)[(string)step];
        return node.ToString();
    }

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, file));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Btc.sln")))
            dir = dir.Parent;
        return dir?.FullName
            ?? throw new InvalidOperationException("The repository root (Btc.sln) is not above the test binaries.");
    }
}
