using System.Diagnostics;
using Btc.Tests.Infrastructure;

namespace Btc.Tests.Live;

/// <summary>
/// Debian's nginx (.ci/run installs it) started by the test in the foreground, with a configuration and pid file in
/// a directory of its own, proxying to <c>upstream</c> with the lines README.md gives for the live streams.
/// </summary>
public sealed class Nginx : IDisposable
{
    private readonly string _directory;
    private readonly ProgramOutput _output;

    private Nginx(string directory, ProgramOutput output, int port)
    {
        _directory = directory;
        _output = output;
        Port = port;
    }

    public int Port { get; }

    public static async Task<Nginx> StartAsync(int upstream)
    {
        var directory = Directory.CreateTempSubdirectory("btc-nginx-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        var port = ApiProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/logs/error.log;
            events {}
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://127.0.0.1:{{upstream}};
                        # The live streams: HTTP/1.1 to the API, and no limit on an idle stream shorter than its
                        # 15 s keep-alive comments. The API's X-Accel-Buffering: no turns buffering off.
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_read_timeout 1h;
                    }
                }
            }
            """);
        var (log, conf) = (Path.Combine(directory, "logs", "error.log"), Path.Combine(directory, "nginx.conf"));
        var start = new ProcessStartInfo("nginx", ["-p", directory, "-e", log, "-c", conf, "-g", "daemon off;"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var nginx = new Nginx(directory, ProgramOutput.Of(Process.Start(start)!), port);
        using var http = new HttpClient();
        await Eventually.Until(async () =>
        {
            try
            {
                return (int)(await http.GetAsync($"http://127.0.0.1:{port}/health/live")).StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0;
            }
        }, s => s == 200, TimeSpan.FromSeconds(30), $"nginx to proxy the API ({nginx._output.Errors})");
        return nginx;
    }

    public void Dispose()
    {
        _output.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
