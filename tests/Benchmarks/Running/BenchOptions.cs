namespace ZlhGrind.Benchmarks.Running;

/// <summary>What one run of the benchmark was asked to do, read from the command line.</summary>
internal sealed record BenchOptions(bool Quick, IReadOnlyList<string> Only, string OutputPath, string? PostgresServer)
{
    public const string Usage = """
        usage: ZlhGrind.Benchmarks [--quick] [--only NAME]... [--out FILE] [--postgres CONNECTION]
          --quick        fewer, shorter rounds (at least 3) and smaller loads; the whole run takes under 3 minutes
          --only NAME    run only this scenario (repeatable); names are listed below
          --out FILE     where the JSON results go (default .zlh/bench/results.json under the repository)
          --postgres CS  a PostgreSQL server the failover scenario may create a scratch database on
                         (default: the ZLH_BENCH_POSTGRES environment variable)
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a readable message on bad input.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> scenarioNames, string defaultOutput)
    {
        var quick = false;
        var only = new List<string>();
        var output = defaultOutput;
        var postgres = Environment.GetEnvironmentVariable("ZLH_BENCH_POSTGRES") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--only":
                    var name = Value(args, ref i);
                    if (!scenarioNames.Contains(name))
                    {
                        throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", scenarioNames)}");
                    }

                    only.Add(name);
                    break;
                case "--out":
                    output = Path.GetFullPath(Value(args, ref i));
                    break;
                case "--postgres":
                    postgres = Value(args, ref i);
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }

        return new BenchOptions(quick, only, output, postgres);
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{args[i]} needs a value");
        }

        i++;
        return args[i];
    }
}
