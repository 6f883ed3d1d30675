using System.Text;
using System.Text.RegularExpressions;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// A game template's denylist: gitignore-style patterns naming paths (root-relative) the file manager must not write,
/// rename onto or extract. Syntax as gitignore: <c>#</c> comments, <c>!</c> re-allows, a trailing <c>/</c> matches
/// directories only, a pattern with a <c>/</c> before its end is anchored at the root, otherwise it matches a name at
/// any depth; <c>*</c>, <c>?</c>, <c>[…]</c> and <c>**</c>. As in git, nothing inside a denied directory can be re-allowed.
/// </summary>
internal sealed class TemplateDenylist
{
    /// <summary>The most patterns one template may carry.</summary>
    public const int MaxPatterns = 1000;

    /// <summary>The longest pattern accepted.</summary>
    public const int MaxPatternLength = 1024;

    private readonly List<Rule> _rules;

    private TemplateDenylist(List<Rule> rules) => _rules = rules;

    /// <summary>A list that denies nothing.</summary>
    public static TemplateDenylist Empty { get; } = new([]);

    /// <summary>Parses <paramref name="patterns"/>; a malformed or oversized one is refused with <see cref="FileErrorCode.InvalidArgument"/>.</summary>
    public static TemplateDenylist Parse(IReadOnlyList<string> patterns)
    {
        if (patterns.Count > MaxPatterns)
        {
            throw new FileOperationException(FileErrorCode.InvalidArgument, $"the denylist has {patterns.Count} patterns; at most {MaxPatterns} are allowed");
        }

        var rules = new List<Rule>();
        foreach (var line in patterns)
        {
            if (line.Length > MaxPatternLength)
            {
                throw new FileOperationException(FileErrorCode.InvalidArgument, $"a denylist pattern is longer than {MaxPatternLength} characters");
            }

            var pattern = line.TrimEnd();
            if (pattern.Length == 0 || pattern[0] == '#')
            {
                continue;
            }

            var negated = pattern[0] == '!';
            pattern = negated ? pattern[1..] : pattern;
            var directoryOnly = pattern.EndsWith('/');
            pattern = pattern.TrimEnd('/');
            if (pattern.Length == 0)
            {
                continue;
            }

            var anchored = pattern.Contains('/', StringComparison.Ordinal);
            try
            {
                var regex = new Regex(ToRegex(pattern.TrimStart('/'), anchored), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
                rules.Add(new Rule(regex, negated, directoryOnly));
            }
            catch (ArgumentException ex)
            {
                throw new FileOperationException(FileErrorCode.InvalidArgument, $"denylist pattern '{Runtimes.RelativePath.Printable(line)}' is malformed", ex);
            }
        }

        return new TemplateDenylist(rules);
    }

    /// <summary>Whether the list denies nothing at all.</summary>
    public bool IsEmpty => _rules.Count == 0;

    /// <summary>Whether <paramref name="relative"/> (normalised, root-relative) or a directory above it is denied.</summary>
    public bool IsDenied(string relative, bool isDirectory)
    {
        if (_rules.Count == 0 || relative.Length == 0)
        {
            return false;
        }

        var end = relative.IndexOf('/', StringComparison.Ordinal);
        while (end >= 0)
        {
            if (Decide(relative[..end], directory: true))
            {
                return true;
            }

            end = relative.IndexOf('/', end + 1);
        }

        return Decide(relative, isDirectory);
    }

    /// <summary>Throws <see cref="FileErrorCode.DeniedByTemplate"/> when <see cref="IsDenied"/>.</summary>
    public void Check(string relative, bool isDirectory)
    {
        if (IsDenied(relative, isDirectory))
        {
            throw new FileOperationException(FileErrorCode.DeniedByTemplate, $"'{Runtimes.RelativePath.Printable(relative)}' is denied by the server's template");
        }
    }

    private bool Decide(string path, bool directory)
    {
        // The last matching pattern decides, as in git.
        var denied = false;
        foreach (var rule in _rules)
        {
            if ((!rule.DirectoryOnly || directory) && rule.Pattern.IsMatch(path))
            {
                denied = !rule.Negated;
            }
        }

        return denied;
    }

    private static string ToRegex(string pattern, bool anchored)
    {
        var regex = new StringBuilder("^");
        if (!anchored)
        {
            regex.Append("(?:.*/)?");
        }

        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var atStart = i == 0 || pattern[i - 1] == '/';
                var beforeSlash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                if (atStart && beforeSlash)
                {
                    regex.Append("(?:.*/)?");
                    i += 2;
                }
                else
                {
                    regex.Append(".*");
                    i++;
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && pattern.IndexOf(']', i + 1) is var close && close > i + 1)
            {
                var body = pattern[(i + 1)..close];
                regex.Append('[').Append(body[0] == '!' ? "^" + Regex.Escape(body[1..]).Replace("\\-", "-", StringComparison.Ordinal) : Regex.Escape(body).Replace("\\-", "-", StringComparison.Ordinal)).Append(']');
                i = close;
            }
            else if (c == '\\' && i + 1 < pattern.Length)
            {
                regex.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        // A pattern that names a directory also covers everything inside it (checked per ancestor in IsDenied).
        return regex.Append('$').ToString();
    }

    private sealed record Rule(Regex Pattern, bool Negated, bool DirectoryOnly);
}
