using ZlhGrind.Tools.StandInIde;

// A stand-in for code-server: `bin/code-server` of the packaged tar.gz runs this with code-server's
// arguments. `pack --output <file.tar.gz>` builds that package from this program's own output.
if (args.Length > 0 && args[0] == "pack")
{
    return StandInIdePackage.RunPackCommand(args[1..]);
}

var arguments = StandInArguments.Parse(args);
if (arguments.ShowVersion)
{
    Console.Out.WriteLine(StandInArguments.Version);
    return 0;
}

await StandInServer.RunAsync(arguments);
return 0;
