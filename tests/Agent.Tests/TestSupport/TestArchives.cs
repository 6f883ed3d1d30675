using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>Builds real tar.gz archives in memory, including the hostile entries an extractor must refuse.</summary>
internal static class TestArchives
{
    public const UnixFileMode Executable = (UnixFileMode)0b111_101_101;
    public const UnixFileMode Readable = (UnixFileMode)0b110_100_100;

    /// <summary>A runtime whose <c>bin/tool</c> prints "tool &lt;version&gt;" (or fails with <paramref name="exitCode"/>); with a lib file and an inner link.</summary>
    public static byte[] Runtime(string version, int exitCode = 0) => Build(tar =>
    {
        Directory(tar, "bin/");
        Directory(tar, "lib/");
        File(tar, "lib/tool.txt", $"library of {version}\n", Readable);
        var script = exitCode == 0
            ? $"#!/bin/sh\nif [ \"$1\" = serve ]; then while :; do sleep 1; done; fi\necho \"tool {version}\"\n"
            : $"#!/bin/sh\necho \"tool {version} is broken\" >&2\nexit {exitCode}\n";
        File(tar, "bin/tool", script, Executable);
        Link(tar, "bin/tool-alias", "tool");
        Link(tar, "lib/current", "../lib");
    });

    public static byte[] Build(Action<TarWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(tar);
        }

        return buffer.ToArray();
    }

    public static void Directory(TarWriter tar, string name) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = Executable });

    public static void File(TarWriter tar, string name, string content, UnixFileMode mode) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = mode,
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
        });

    public static void Link(TarWriter tar, string name, string target) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = Executable });

    /// <summary>A working runtime archive with one hostile entry added after its valid ones.</summary>
    public static byte[] RuntimeWith(string version, Action<TarWriter> hostile) => Build(tar =>
    {
        Directory(tar, "bin/");
        File(tar, "bin/tool", $"#!/bin/sh\necho \"tool {version}\"\n", Executable);
        hostile(tar);
    });
}
