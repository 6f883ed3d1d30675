using System.Text.RegularExpressions;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Reads the version out of <c>code-server --version</c>, which prints e.g. <c>4.100.3 &lt;commit&gt; with Code 1.100.3</c>,
/// possibly after log lines of its own: the first token that looks like a version on the first line starting with a digit.
/// </summary>
internal static partial class CodeServerVersion
{
    /// <summary>The version alone, or null when the output has none.</summary>
    public static string? Parse(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.Length == 0 || !char.IsAsciiDigit(line[0]))
            {
                continue;
            }

            foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (VersionToken().IsMatch(token))
                {
                    return token;
                }
            }

            return null;
        }

        return null;
    }

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)+([-+][0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionToken();
}
