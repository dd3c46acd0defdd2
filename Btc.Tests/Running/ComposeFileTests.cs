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
        Services.Children.Keys.Select(k => k.ToString()).Should().BeEquivalentTo("postgres", "migrate", "worker", "api", "coingecko-simulator");
        Scalar(Service("coingecko-simulator"), "profiles", 0).Should().Be("offline");
    }

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
    [InlineData("coingecko-simulator")]
    public void Every_long_running_service_has_a_healthcheck_and_restarts_unless_stopped(string name)
    {
        var service = Service(name);
        ((YamlSequenceNode)((YamlMappingNode)service["healthcheck"])["test"]).Children.Should().HaveCountGreaterThan(1);
        Scalar(service, "restart").Should().Be("unless-stopped");
    }

    [Fact]
    public void The_api_is_published_on_loopback_port_8000_and_two_workers_run_by_default()
    {
        ((YamlSequenceNode)Service("api")["ports"]).Children.Select(p => p.ToString()).Should().Equal("127.0.0.1:8000:8080");
        Scalar(Service("worker"), "deploy", "replicas").Should().Be("2");
        ((YamlMappingNode)Load("compose.yaml")["volumes"]).Children.Keys.Select(k => k.ToString()).Should().Contain("pgdata");
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
        var stages = Regex.Matches(File.ReadAllText(dockerfile), @"^FROM\s+\S+\s+AS\s+(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)
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
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (Btc.sln) is not above the test binaries.");
    }
}
