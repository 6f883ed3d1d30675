using ZlhGrind.Benchmarks.Cluster;
using ZlhGrind.Benchmarks.Running;

// `silo` is the mode the failover scenario starts its silo processes in; everything else is the runner.
return args is ["silo", ..]
    ? await BenchSilo.RunAsync(args[1..])
    : await BenchApp.RunAsync(args, Console.Out, CancellationToken.None);
