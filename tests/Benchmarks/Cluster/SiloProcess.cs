using System.Diagnostics;
using System.Reflection;
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

    /// <summary>The configuration the benchmark was built in (Release under ./zlh bench).</summary>
    public static string BuildConfiguration =>
        typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>
    /// Starts the silo program itself (src/Silo, built in the same configuration) on memory storage with
    /// localhost clustering, production logging (warnings only) and the dashboard on a free loopback port.
    /// </summary>
    public static async Task<SiloProcess> StartProgramAsync(BenchContext context, string name, string serviceKey, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(context.RepositoryRoot, "src", "Silo", "bin", BuildConfiguration, "net10.0", "ZlhGrind.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"the silo is not built: {dll} is missing (build the solution in {BuildConfiguration})", dll);
        }

        var endpoint = SiloEndpoint.Allocate();
        var start = DotnetStart(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
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
        var dll = Path.Combine(context.RepositoryRoot, "tests", "Benchmarks", "bin", BuildConfiguration, "net10.0", "ZlhGrind.Benchmarks.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"the benchmark is not built: {dll} is missing", dll);
        }

        var start = DotnetStart(dll);
        start.ArgumentList.Add("silo");
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

    private static ProcessStartInfo DotnetStart(string dll)
    {
        // Under `dotnet test` and `dotnet run` the SDK says which host it is; elsewhere dotnet is on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var start = new ProcessStartInfo(host) { WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }

    private async Task WaitForHealthAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        var url = new Uri($"http://127.0.0.1:{Endpoint.HttpPort}/healthz");
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"silo process {Process.Pid} exited while starting (see its log)");
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

        throw new TimeoutException($"silo process {Process.Pid} did not answer /healthz within {StartTimeout.TotalSeconds:0} s");
    }
}
