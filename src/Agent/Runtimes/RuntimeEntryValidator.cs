using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>Checks a catalog entry before anything is fetched: every field ends up in a path, a URL or a command line.</summary>
internal sealed partial class RuntimeEntryValidator(IOptions<RuntimeInstallOptions> options)
{
    /// <summary>Throws <see cref="RuntimeInstallException"/> naming every bad field; returns the artifact to fetch.</summary>
    public ArtifactSpec Validate(RuntimeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var errors = new List<string>();
        if (entry.Name is null || !NamePattern().IsMatch(entry.Name))
        {
            errors.Add($"name '{RelativePath.Printable(entry.Name ?? string.Empty)}' must be 1-64 of a-z, 0-9, '.', '_', '-' starting with a letter or digit");
        }

        if (entry.Version is null || !VersionPattern().IsMatch(entry.Version) || entry.Version.Contains("..", StringComparison.Ordinal))
        {
            errors.Add($"version '{RelativePath.Printable(entry.Version ?? string.Empty)}' must be 1-64 of letters, digits, '.', '_', '+', '-' starting with a letter or digit");
        }

        var url = ValidateArtifact(entry, errors);
        ValidateRelative("bin path", entry.BinPath, errors);
        if (entry.VerifyCommand is null || entry.VerifyCommand.Count == 0)
        {
            errors.Add("verify command is empty: a runtime that cannot prove it runs is not installed");
        }
        else
        {
            ValidateRelative("verify command", entry.VerifyCommand[0], errors);
            if (entry.VerifyCommand.Any(argument => argument is null || argument.Contains('\0', StringComparison.Ordinal)))
            {
                errors.Add("verify command arguments must not be null or contain NUL");
            }
        }

        if (errors.Count > 0)
        {
            throw new RuntimeInstallException(
                InstallFailure.InvalidEntry,
                $"catalog entry {RelativePath.Printable(entry.Name ?? "?")} {RelativePath.Printable(entry.Version ?? "?")} is invalid: {string.Join("; ", errors)}");
        }

        return new ArtifactSpec(url!, entry.Sha256.ToLowerInvariant(), entry.SizeBytes);
    }

    private Uri? ValidateArtifact(RuntimeEntry entry, List<string> errors)
    {
        Uri? url = null;
        if (entry.ArtifactUrl is null
            || !Uri.TryCreate(entry.ArtifactUrl, UriKind.Absolute, out url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add("artifact URL must be an absolute http or https URL");
            url = null;
        }
        else if (url.UserInfo.Length > 0)
        {
            // Credentials in a URL end up in logs and heartbeats.
            errors.Add("artifact URL must not carry credentials");
            url = null;
        }

        if (entry.Sha256 is null || !Sha256Pattern().IsMatch(entry.Sha256))
        {
            errors.Add("sha256 must be 64 hexadecimal characters");
        }

        var cap = options.Value.MaxArtifactBytes;
        if (entry.SizeBytes <= 0)
        {
            errors.Add($"size must be positive, not {entry.SizeBytes}");
        }
        else if (entry.SizeBytes > cap)
        {
            errors.Add($"size {entry.SizeBytes} bytes exceeds the agent's cap of {cap} bytes");
        }

        return url;
    }

    private static void ValidateRelative(string what, string? value, List<string> errors)
    {
        if (value is null)
        {
            errors.Add($"{what} is missing");
            return;
        }

        var normalized = RelativePath.Normalize(value, out var reason);
        if (normalized is null)
        {
            errors.Add($"{what} is refused: {reason}");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
