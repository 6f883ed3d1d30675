using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Processes;
using ZlhGrind.Benchmarks.Running;
using ZlhGrind.Benchmarks.Tunnel;

// The runner starts some of its parts as processes of this same program, each in a mode of its own.
return args switch
{
    ["silo", ..] => await BenchSilo.RunAsync(args[1..]),
    ["upstream", ..] => await UpstreamServer.RunAsync(args[1..]),
    ["forwarder", ..] => await BareForwarder.RunAsync(args[1..]),
    [AgentFleetProcess.Mode, ..] => await AgentFleetProcess.RunAsync(args[1..]),
    _ => await BenchApp.RunAsync(args, Console.Out, CancellationToken.None),
};
