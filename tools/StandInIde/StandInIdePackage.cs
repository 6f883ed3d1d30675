using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace ZlhGrind.Tools.StandInIde;

/// <summary>
/// Packs the stand-in IDE as a code-server artifact: a tar.gz whose entry point is <c>bin/code-server</c>,
/// a shell launcher that runs <c>lib/StandInIde.dll</c> with the arguments code-server would get.
/// </summary>
public static class StandInIdePackage
{
    /// <summary>The launcher's path inside the archive, as in a real code-server release.</summary>
    public const string EntryPoint = "bin/code-server";

    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite
        | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly string[] RequiredFiles = ["StandInIde.dll", "StandInIde.runtimeconfig.json"];
    private static readonly string[] OptionalFiles = ["StandInIde.deps.json"];

    /// <summary>Writes the package built from <paramref name="builtOutputDirectory"/> to <paramref name="destination"/>.</summary>
    /// <param name="builtOutputDirectory">Where StandInIde.dll and its runtimeconfig were built.</param>
    /// <param name="destination">The tar.gz to write (replaced if it exists).</param>
    /// <param name="dotnetHost">The dotnet host the launcher runs; defaults to the one running this code.</param>
    public static void Pack(string builtOutputDirectory, string destination, string? dotnetHost = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(builtOutputDirectory);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        foreach (var required in RequiredFiles)
        {
            if (!File.Exists(Path.Combine(builtOutputDirectory, required)))
            {
                throw new FileNotFoundException($"the stand-in IDE is not built: {required} is missing in {builtOutputDirectory}", required);
            }
        }

        var host = dotnetHost ?? FindDotnetHost();
        var partial = destination + ".partial";
        using (var file = File.Create(partial))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            AddDirectory(tar, "bin/");
            AddDirectory(tar, "lib/");
            AddFile(tar, EntryPoint, new MemoryStream(Encoding.UTF8.GetBytes(Launcher(host))), Executable);
            foreach (var name in RequiredFiles.Concat(OptionalFiles))
            {
                var path = Path.Combine(builtOutputDirectory, name);
                if (File.Exists(path))
                {
                    using var content = File.OpenRead(path);
                    AddFile(tar, "lib/" + name, content, Readable);
                }
            }
        }

        // Renamed into place so a reader never sees half an archive.
        File.Move(partial, destination, overwrite: true);
    }

    internal static int RunPackCommand(string[] args)
    {
        string? output = null;
        string? dotnet = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--output":
                    output = args[i + 1];
                    break;
                case "--dotnet":
                    dotnet = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        if (output is null)
        {
            Console.Error.WriteLine("usage: StandInIde pack --output <file.tar.gz> [--dotnet <dotnet host>]");
            return 2;
        }

        Pack(AppContext.BaseDirectory, Path.GetFullPath(output), dotnet);
        Console.Out.WriteLine($"packed {Path.GetFullPath(output)}");
        return 0;
    }

    private static string Launcher(string dotnetHost) =>
        $$"""
        #!/bin/sh
        # Stand-in for code-server: runs the stand-in IDE with the same arguments.
        # exec keeps one process, so the pid a supervisor sees is the server's.
        here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
        exec "${ZLH_STANDIN_DOTNET:-{{dotnetHost}}}" "$here/lib/StandInIde.dll" "$@"

        """;

    /// <summary>The dotnet host that runs StandInIde.dll: the SDK's, else the one running this code, else "dotnet" on PATH.</summary>
    public static string FindDotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileName(current) == "dotnet" ? current : "dotnet";
    }

    private static void AddDirectory(TarWriter tar, string name) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = Executable, ModificationTime = DateTimeOffset.UnixEpoch });

    private static void AddFile(TarWriter tar, string name, Stream content, UnixFileMode mode) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = mode,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = content,
        });
}
