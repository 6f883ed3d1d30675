namespace ZlhGrind.Agent.Runtimes;

/// <summary>What is installed of one runtime, which version is active and which one a rollback returns to. Stored as JSON beside the versions.</summary>
internal sealed record RuntimeState(string Name, string? Active, string? Previous, IReadOnlyDictionary<string, InstalledVersion> Versions)
{
    public static RuntimeState Empty(string name) => new(name, null, null, new Dictionary<string, InstalledVersion>(StringComparer.Ordinal));

    public RuntimeState WithVersion(string version, InstalledVersion installed) =>
        this with { Versions = new Dictionary<string, InstalledVersion>(Versions, StringComparer.Ordinal) { [version] = installed } };

    public RuntimeState WithoutVersion(string version)
    {
        var versions = new Dictionary<string, InstalledVersion>(Versions, StringComparer.Ordinal);
        versions.Remove(version);
        return this with { Versions = versions, Previous = Previous == version ? null : Previous };
    }

    /// <summary>Makes <paramref name="version"/> active; the one it replaces becomes the rollback target.</summary>
    public RuntimeState Activate(string version) =>
        Active == version ? this : this with { Active = version, Previous = Active ?? Previous };
}

/// <summary>One installed version: where its executables are, what it was installed from, and what its verify command said.</summary>
internal sealed record InstalledVersion(string BinPath, string Sha256, DateTimeOffset InstalledAt, string VerifyOutput);
