using System.Diagnostics;

namespace Btc.LocalPostgres;

/// <summary>
/// A throwaway PostgreSQL cluster in a temp folder on a free port, started from the machine's server binaries
/// and deleted when the process ends.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _dataDir;
    private readonly bool _asPostgresUser;

    public int Port { get; }
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    private PostgresCluster(string bin, string root, int port)
    {
        _bin = bin;
        _dataDir = Path.Combine(root, "data");
        _asPostgresUser = Environment.UserName == "root";
        Port = port;
    }

    public static PostgresCluster Start()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries found (initdb, pg_ctl): install the PostgreSQL server " +
            "(Debian/Ubuntu: apt-get install postgresql) or set BTC_TEST_POSTGRES to a server's connection string.");

        RemoveAbandoned();
        var cluster = Create(bin);
        try
        {
            cluster.Ctl("initdb", "-D", cluster._dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--no-locale", "--no-sync");
            cluster.Resume();
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// A streaming replica of this cluster on a port of its own (pg_basebackup -R: standby.signal and the primary's
    /// address), started and replaying; dispose it before its primary.
    /// </summary>
    public PostgresCluster StartStandby()
    {
        var standby = Create(_bin);
        try
        {
            var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            standby.Ctl(Tool("pg_basebackup"), "-D", standby._dataDir, "-h", "127.0.0.1", "-p", port,
                // fast: not the next scheduled checkpoint, minutes away
                "-U", "postgres", "-R", "-X", "stream", "--no-sync", "--checkpoint=fast");
            standby.Resume();
        }
        catch
        {
            standby.Dispose();
            throw;
        }
        return standby;
    }

    /// <summary>
    /// A cluster's folder, owned by this process (see
    /// <see cref="RemoveAbandoned"/>), and its free port; nothing started.
    /// </summary>
    private static PostgresCluster Create(string bin)
    {
        var root = Directory.CreateTempSubdirectory(Prefix).FullName;
        File.WriteAllText(
            Path.Combine(root, OwnerFile),
            Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cluster = new PostgresCluster(bin, root, LoopbackPorts.Free());
        if (cluster._asPostgresUser)
            Run("chown", "-R", "postgres", root);
        return cluster;
    }

    private const string Prefix = "btc-pg-";

    /// <summary>
    /// What a database restart does to its clients: connections terminated, the port closed a moment.
    /// </summary>
    public void Restart() => Ctl("pg_ctl", "restart", "-w", "-t", "60", "-m", "fast", "-D", _dataDir);

    /// <summary>Stops the server (fast: clients are disconnected); <see cref="Resume"/> starts it again.</summary>
    public void Stop() => Ctl("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", _dataDir);

    /// <summary>
    /// Starts the server on the cluster's port (at <see cref="Start"/>, and again after <see cref="Stop"/>).
    /// </summary>
    public void Resume()
    {
        var root = Path.GetDirectoryName(_dataDir)!;
        // Durability settings off: a test cluster is thrown away, and fsync dominates its run time.
        var options = $"-p {Port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off " +
                      "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c "
                          + "shared_buffers=256MB";
        Ctl("pg_ctl", "start", "-w", "-t", "60", "-D", _dataDir, "-l", Path.Combine(root, "log"), "-o", options);
    }

    // The process that made a cluster: a cluster stopped for a while by its own test is not abandoned.
    private const string OwnerFile = "owner.pid";

    /// <summary>Whether the process whose id is the file's first line runs.</summary>
    private static bool Alive(string pidFile) =>
        File.Exists(pidFile)
        && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
        && Directory.Exists($"/proc/{pid}");

    /// <summary>
    /// Clusters of runs that were killed before they could clean up: their server is gone, their folder is not.
    /// </summary>
    private static void RemoveAbandoned()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var pidFile = Path.Combine(dir, "data", "postmaster.pid");
            var running = Alive(pidFile) || Alive(Path.Combine(dir, OwnerFile));
            if (!running && Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-1))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // another user's, or in use: leave it
                }
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(_dataDir, "postmaster.pid")))
                Ctl("pg_ctl", "stop", "-D", _dataDir, "-m", "immediate", "-w");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(_dataDir)!, recursive: true);
        }
    }

    private void Ctl(string tool, params string[] args)
    {
        var exe = Path.IsPathRooted(tool) ? tool : Path.Combine(_bin, tool);
        if (_asPostgresUser)
            Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else
            Run(exe, args);
    }

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): "
                    + $"{stderr}{stdout.Result}");
    }

    /// <summary>
    /// The path of one of the server's programs (pg_dump, pg_restore, …), where the server binaries are.
    /// </summary>
    public static string Tool(string name)
    {
        // PATH may hold only links to initdb and pg_ctl; the folder they point into has the rest.
        var initdb = FindBinaries() is { } bin ? new FileInfo(Path.Combine(bin, "initdb")) : null;
        var real = Path.GetDirectoryName(initdb?.ResolveLinkTarget(returnFinalTarget: true)?.FullName
            ?? initdb?.FullName);
        return real is not null && File.Exists(Path.Combine(real, name))
            ? Path.Combine(real, name)
            : throw new InvalidOperationException(
                $"No {name} beside the PostgreSQL server binaries: install the PostgreSQL server.");
    }

    private static string? FindBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb"))
                && File.Exists(Path.Combine(dir, "pg_ctl")));
        if (onPath is not null)
            return onPath;
        const string debian = "/usr/lib/postgresql";
        return Directory.Exists(debian)
            ? Directory.GetDirectories(debian)
                .Select(dir => Path.Combine(dir, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }
}
