namespace ZlhGrind.Grains.Runtimes;

/// <summary>
/// A language runtime the agent can install: where its tar.gz is, its sha256 (hex) and size, the
/// directory of its executables inside the archive, and a command (relative to the install root) that proves it runs.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.RuntimeEntry")]
public sealed record RuntimeEntry(
    string Name,
    string Version,
    string ArtifactUrl,
    string Sha256,
    long SizeBytes,
    string BinPath,
    IReadOnlyList<string> VerifyCommand);

/// <summary>The catalog as the portal sees it: every entry and the promoted version of each runtime.</summary>
[GenerateSerializer, Immutable, Alias("zlh.RuntimeCatalogView")]
public sealed record RuntimeCatalogView(IReadOnlyList<RuntimeEntry> Entries, IReadOnlyDictionary<string, string> Promoted);
