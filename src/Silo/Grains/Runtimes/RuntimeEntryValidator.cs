using System.Text.RegularExpressions;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Silo.Grains.Runtimes;

/// <summary>Rules a catalog entry must meet: an agent downloads, verifies and runs what it says.</summary>
internal static partial class RuntimeEntryValidator
{
    public const long MaxArtifactBytes = 4L * 1024 * 1024 * 1024;

    public static void Validate(RuntimeEntry? entry)
    {
        if (entry is null)
        {
            throw new InvalidRequestException("A runtime entry is required.");
        }

        Require(entry.Name is not null && Name().IsMatch(entry.Name), "name must be 1-32 characters of a-z, 0-9 and '-', starting with a letter.");
        Require(entry.Version is not null && Version().IsMatch(entry.Version), "version must be 1-32 characters of letters, digits, '.', '+' and '-'.");
        Require(
            Uri.TryCreate(entry.ArtifactUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps),
            "artifactUrl must be an absolute http or https URL.");
        Require(entry.Sha256 is not null && Sha256().IsMatch(entry.Sha256), "sha256 must be 64 lowercase hex characters.");
        Require(entry.SizeBytes is > 0 and <= MaxArtifactBytes, $"sizeBytes must be between 1 and {MaxArtifactBytes}.");
        Require(IsRelativeInside(entry.BinPath), "binPath must be a relative path inside the runtime (no '..', not absolute).");
        Require(
            entry.VerifyCommand is { Count: > 0 and <= 16 } command && IsRelativeInside(command[0]) && command.All(a => a is { Length: <= 256 }),
            "verifyCommand must be a relative executable inside the runtime followed by at most 15 arguments.");
    }

    private static bool IsRelativeInside(string? path) =>
        !string.IsNullOrWhiteSpace(path)
        && path.Length <= 256
        && !path.StartsWith('/')
        && !path.Contains('\\', StringComparison.Ordinal)
        && !path.Contains('\0', StringComparison.Ordinal)
        && Array.IndexOf(path.Split('/'), "..") < 0;

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidRequestException(message);
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex Name();

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")]
    private static partial Regex Version();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();
}
