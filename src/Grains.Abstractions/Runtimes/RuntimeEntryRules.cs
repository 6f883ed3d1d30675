using System.Text;
using System.Text.RegularExpressions;

namespace ZlhGrind.Grains.Runtimes;

/// <summary>
/// The one set of rules a runtime catalog entry meets, checked by the silo when an operator adds it and by the agent
/// before it fetches anything: every field ends up in a path, a URL or a command line.
/// </summary>
public static partial class RuntimeEntryRules
{
    /// <summary>The largest artifact a catalog entry may name.</summary>
    public const long MaxArtifactBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>The longest bin path, verify executable or verify argument.</summary>
    public const int MaxPathLength = 256;

    /// <summary>The most words a verify command may have (the executable and its arguments).</summary>
    public const int MaxVerifyWords = 16;

    private const int MaxPrintable = 64;

    /// <summary>One sentence per bad field, in field order, each starting with the field's name; empty when the entry is good.</summary>
    public static List<string> Problems(RuntimeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<string>();
        if (entry.Name is null || !Name().IsMatch(entry.Name))
        {
            problems.Add($"name '{Printable(entry.Name)}' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter.");
        }

        if (entry.Version is null || !Version().IsMatch(entry.Version) || entry.Version.Contains("..", StringComparison.Ordinal))
        {
            problems.Add($"version '{Printable(entry.Version)}' must be 1-32 characters of letters, digits, '.', '+' and '-', starting with a letter or digit, without '..'.");
        }

        if (!Uri.TryCreate(entry.ArtifactUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add("artifactUrl is refused: the artifact URL must be an absolute http or https URL.");
        }
        else if (url.UserInfo.Length > 0)
        {
            // Credentials in a URL end up in logs, heartbeats and the portal's catalog.
            problems.Add("artifactUrl is refused: the artifact URL must not carry credentials.");
        }

        if (entry.Sha256 is null || !Sha256().IsMatch(entry.Sha256))
        {
            problems.Add("sha256 must be 64 hexadecimal characters.");
        }

        if (entry.SizeBytes <= 0)
        {
            problems.Add($"sizeBytes is refused: the size must be positive, not {entry.SizeBytes}.");
        }
        else if (entry.SizeBytes > MaxArtifactBytes)
        {
            problems.Add($"sizeBytes is refused: the size must be at most {MaxArtifactBytes} bytes, not {entry.SizeBytes}.");
        }

        if (!IsRelativeInside(entry.BinPath))
        {
            problems.Add("binPath must be a relative path inside the runtime (no '..', not absolute).");
        }

        if (entry.VerifyCommand is null || entry.VerifyCommand.Count == 0)
        {
            problems.Add("verifyCommand is refused: the verify command is empty, and a runtime that cannot prove it runs is not installed.");
        }
        else if (entry.VerifyCommand.Count > MaxVerifyWords || !IsRelativeInside(entry.VerifyCommand[0]) || !entry.VerifyCommand.All(IsArgument))
        {
            problems.Add($"verifyCommand must be a relative executable inside the runtime followed by at most {MaxVerifyWords - 1} arguments of at most {MaxPathLength} characters, without NUL.");
        }

        return problems;
    }

    /// <summary>A value as it may appear in a message: control characters escaped, at most 64 characters.</summary>
    public static string Printable(string? value)
    {
        if (value is null)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var c in value.Length <= MaxPrintable ? value : value[..MaxPrintable])
        {
            if (char.IsControl(c))
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        return value.Length <= MaxPrintable ? text.ToString() : text.Append('…').ToString();
    }

    private static bool IsArgument(string? argument) =>
        argument is { Length: <= MaxPathLength } && !argument.Contains('\0', StringComparison.Ordinal);

    /// <summary>A relative path that stays inside its root: not absolute, no backslash, no '..' segment, at most <see cref="MaxPathLength"/>.</summary>
    internal static bool IsRelativeInside(string? path) =>
        !string.IsNullOrWhiteSpace(path)
        && IsArgument(path)
        && !path.StartsWith('/')
        && !path.Contains('\\', StringComparison.Ordinal)
        && Array.IndexOf(path.Split('/'), "..") < 0;

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex Name();

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")]
    private static partial Regex Version();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();
}
