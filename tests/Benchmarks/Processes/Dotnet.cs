using System.Diagnostics;
using System.Reflection;
using ZlhGrind.Benchmarks.Running;

namespace ZlhGrind.Benchmarks.Processes;

/// <summary>How the benchmark starts .NET programs: the repository's build outputs, in the benchmark's own configuration.</summary>
internal static class Dotnet
{
    /// <summary>The configuration the benchmark was built in (Release under ./zlh bench).</summary>
    public static string BuildConfiguration =>
        typeof(Dotnet).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The built program of a project, e.g. ("src/Gateway", "ZlhGrind.Gateway").</summary>
    public static string Program(BenchContext context, string projectDirectory, string assemblyName)
    {
        var dll = Path.Combine(context.RepositoryRoot, projectDirectory, "bin", BuildConfiguration, "net10.0", assemblyName + ".dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"{dll} is missing: build the solution in {BuildConfiguration} first", dll);
    }

    /// <summary>This benchmark program in one of its helper modes (silo, upstream, forwarder).</summary>
    public static ProcessStartInfo Mode(BenchContext context, string mode)
    {
        var start = Start(Program(context, Path.Combine("tests", "Benchmarks"), "ZlhGrind.Benchmarks"));
        start.ArgumentList.Add(mode);
        return start;
    }

    public static ProcessStartInfo Start(string dll)
    {
        // Under `dotnet test` and `dotnet run` the SDK says which host it is; elsewhere dotnet is on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var start = new ProcessStartInfo(host) { WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }
}
