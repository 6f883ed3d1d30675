using System.IO.Compression;
using System.Text;

namespace ZlhGrind.Gateway.Tests.Mods;

/// <summary>Real jars built for the tests: one zip per call, entries as given (text as UTF-8).</summary>
internal static class ModJars
{
    public static byte[] Build(params (string Name, string Text)[] entries)
    {
        var archive = new MemoryStream();
        using (var zip = new ZipArchive(archive, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                stream.Write(Encoding.UTF8.GetBytes(text));
            }
        }

        return archive.ToArray();
    }

    public static byte[] Fabric(string id, string name, string version) =>
        Build(("fabric.mod.json", $$"""{"schemaVersion":1,"id":"{{id}}","name":"{{name}}","version":"{{version}}"}"""), ("x/Main.class", "code"));

    public static byte[] Forge(string modId, string displayName, string manifestVersion) =>
        Build(
            ("META-INF/mods.toml", $"modLoader=\"javafml\"\nloaderVersion=\"[47,)\"\n[[mods]]\nmodId=\"{modId}\"\nversion=\"${{file.jarVersion}}\"\ndisplayName=\"{displayName}\"\n[[dependencies.{modId}]]\nmodId=\"forge\"\n"),
            ("META-INF/MANIFEST.MF", $"Manifest-Version: 1.0\r\nImplementation-Version: {manifestVersion}\r\n"));

    public static byte[] Plugin(string name, string version) =>
        Build(("plugin.yml", $"name: {name}\nversion: '{version}'\nmain: x.Main\ncommands:\n  name: nested\n"));
}
