using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>Checks a catalog entry before anything is fetched: every field ends up in a path, a URL or a command line.</summary>
internal sealed class RuntimeEntryValidator(IOptions<RuntimeInstallOptions> options)
{
    /// <summary>
    /// Throws <see cref="RuntimeInstallException"/> naming every bad field (the catalog's <see cref="RuntimeEntryRules"/>,
    /// then this agent's own size cap and path normalization); returns the artifact to fetch.
    /// </summary>
    public ArtifactSpec Validate(RuntimeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var errors = RuntimeEntryRules.Problems(entry);
        var cap = options.Value.MaxArtifactBytes;
        if (entry.SizeBytes > cap)
        {
            errors.Add($"size {entry.SizeBytes} bytes exceeds the agent's cap of {cap} bytes.");
        }

        // The paths are also resolved the way the installer will resolve them, so a refusal says exactly why.
        ValidateRelative("bin path", entry.BinPath, errors);
        if (entry.VerifyCommand is { Count: > 0 } verify)
        {
            ValidateRelative("verify command", verify[0], errors);
        }

        if (errors.Count > 0)
        {
            throw new RuntimeInstallException(
                InstallFailure.InvalidEntry,
                $"catalog entry {RuntimeEntryRules.Printable(entry.Name ?? "?")} {RuntimeEntryRules.Printable(entry.Version ?? "?")} is invalid: {string.Join(" ", errors)}");
        }

        return new ArtifactSpec(new Uri(entry.ArtifactUrl, UriKind.Absolute), entry.Sha256.ToLowerInvariant(), entry.SizeBytes);
    }

    private static void ValidateRelative(string what, string? value, List<string> errors)
    {
        if (value is not null && RelativePath.Normalize(value, out var reason) is null)
        {
            errors.Add($"{what} is refused: {reason}.");
        }
    }
}
