using System.Diagnostics;
using ZlhGrind.Benchmarks.Measuring;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>A silo running as a process of its own, so its CPU and memory can be read from /proc.</summary>
internal sealed class SiloProcess
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private SiloProcess(ChildProcess process, SiloEndpoint endpoint)
    {
        Process = process;
        Endpoint = endpoint;
        Sampler = new ProcessSampler(process.Pid);
    }

    public ChildProcess Process { get; }

    public SiloEndpoint Endpoint { get; }

    public ProcessSampler Sampler { get; }

    public static string BuildConfiguration => Dotnet.BuildConfiguration;

    /// <summary>
    /// Starts the silo program itself (src/Silo, built in the same configuration) on memory storage with
    /// localhost clustering, production logging (warnings only) and the dashboard on a free loopback port.
    /// </summary>
    public static async Task<SiloProcess> StartProgramAsync(BenchContext context, string name, string serviceKey, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? extra = null)
    {
        var dll = Path.Combine(context.RepositoryRoot, "src", "Silo", "bin", BuildConfiguration, "net10.0", "ZlhGrind.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"the silo is not built: {dll} is missing (build the solution in {BuildConfiguration})", dll);
        }

        var endpoint = SiloEndpoint.Allocate();
        var start = Dotnet.Start(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.Environment["Cluster__ServiceKey"] = serviceKey;
        start.Environment["Cluster__SiloPort"] = endpoint.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Cluster__GatewayPort"] = endpoint.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Dashboard__Url"] = $"http://127.0.0.1:{endpoint.HttpPort}";
        start.Environment["Storage__Provider"] = "Memory";
        var process = context.Children.Start(start, Path.Combine(context.LogDirectory, name + ".log"));
        var silo = new SiloProcess(process, endpoint);
        await silo.WaitForHealthAsync(cancellationToken);
        return silo;
    }

    /// <summary>Starts a failover silo (<see cref="BenchSilo"/>) on PostgreSQL; waits until it joined the cluster.</summary>
    public static async Task<SiloProcess> StartFailoverSiloAsync(
        BenchContext context, string name, SiloEndpoint endpoint, string clusterId, string serviceKey, string postgres, bool migrate, CancellationToken cancellationToken)
    {
        var start = Dotnet.Mode(context, "silo");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Cluster__ServiceKey"] = serviceKey;
        start.Environment["Storage__Provider"] = "Postgres";
        start.Environment["Storage__ConnectionString"] = postgres;
        start.Environment["Storage__MigrateOnStart"] = migrate ? "true" : "false";
        start.Environment["Bench__ClusterId"] = clusterId;
        start.Environment["Bench__SiloPort"] = endpoint.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Bench__GatewayPort"] = endpoint.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = context.Children.Start(start, Path.Combine(context.LogDirectory, name + ".log"));
        await process.WaitForLineAsync(BenchSilo.ReadyLine, StartTimeout, cancellationToken);
        return new SiloProcess(process, endpoint);
    }

    public void Kill() => Process.Kill();

    private Task WaitForHealthAsync(CancellationToken cancellationToken) =>
        WaitForHttpAsync(Process, new Uri($"http://127.0.0.1:{Endpoint.HttpPort}/healthz"), cancellationToken);

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; fails early if the process exits.</summary>
    public static async Task WaitForHttpAsync(ChildProcess process, Uri url, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"process {process.Pid} exited while starting (see its log)");
            }

            try
            {
                using var response = await Http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The request timed out; try again until the deadline.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        throw new TimeoutException($"process {process.Pid} did not answer {url} within {StartTimeout.TotalSeconds:0} s");
    }
}
