using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>
/// nginx as a measured peer of the IDE tunnel: a reverse proxy to the same upstream that strips <c>/__ide/{id}</c> as
/// the gateway does, with WebSocket upgrades passed through and upstream keep-alive — the configuration a hosting
/// operator would write in front of code-server (without the gateway's per-container session check). It is
/// the system's nginx when there is one, else the Debian package that <c>./zlh bench</c> unpacks into
/// <c>.zlh/bench/nginx</c> (unpacked, not installed, so no system service starts). One worker per core, as the
/// gateway uses every core.
/// </summary>
internal sealed class NginxPeer
{
    private NginxPeer(int port, ProcessSampler sampler)
    {
        Port = port;
        Sampler = sampler;
    }

    public int Port { get; }

    /// <summary>The master and its workers.</summary>
    public ProcessSampler Sampler { get; }

    /// <summary>The nginx binary to run, or null when neither the system nor <c>./zlh bench</c> provides one.</summary>
    public static string? Find(string repositoryRoot)
    {
        var unpacked = Path.Combine(repositoryRoot, ".zlh", "bench", "nginx", "usr", "sbin", "nginx");
        if (File.Exists(unpacked))
        {
            return unpacked;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(directory => Path.Combine(directory, "nginx"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Starts nginx in front of <paramref name="upstreamPort"/>; null when nginx is not available.</summary>
    public static async Task<NginxPeer?> TryStartAsync(BenchContext context, string scenario, int upstreamPort, CancellationToken cancellationToken)
    {
        if (Find(context.RepositoryRoot) is not { } binary)
        {
            return null;
        }

        var port = FreePorts.Next();
        var prefix = Path.Combine(context.LogDirectory, scenario + "-nginx");
        Directory.CreateDirectory(Path.Combine(prefix, "temp"));
        var config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, Configuration(prefix, port, upstreamPort), cancellationToken);

        var start = new ProcessStartInfo(binary);
        foreach (var argument in new[] { "-p", prefix, "-c", config, "-e", Path.Combine(prefix, "error.log") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = context.Children.Start(start, Path.Combine(context.LogDirectory, scenario + "-nginx.log"), withWorkers: true);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return new NginxPeer(port, new ProcessSampler(process.Pid, withWorkers: true));
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    // Every path nginx would write (pid, logs, temp files) is under the run's own folder; nothing under /etc or /var.
    private static string Configuration(string prefix, int port, int upstreamPort)
    {
        var temp = Path.Combine(prefix, "temp");
        return string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process on;
            worker_processes {{Environment.ProcessorCount}};
            pid {{Path.Combine(prefix, "nginx.pid")}};
            error_log {{Path.Combine(prefix, "error.log")}} warn;
            events { worker_connections 16384; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
                upstream ide { server 127.0.0.1:{{upstreamPort}}; keepalive 128; }
                server {
                    listen 127.0.0.1:{{port}};
                    location /__ide/ {
                        rewrite ^/__ide/[0-9]+(/.*)$ $1 break;
                        proxy_pass http://ide;
                        proxy_http_version 1.1;
                        proxy_set_header Host $host;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_read_timeout 1h;
                    }
                }
            }
            """);
    }
}
