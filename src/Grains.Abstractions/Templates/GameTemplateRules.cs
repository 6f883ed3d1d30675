using System.Text.RegularExpressions;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Grains.Templates;

/// <summary>
/// The one set of rules a game template meets, checked by the silo when an operator adds one: every field ends up in an
/// argv, a regex the agent runs on console output, a path inside the server directory or a URL.
/// </summary>
public static partial class GameTemplateRules
{
    /// <summary>The built-in variables every template may use.</summary>
    public const string MemoryMb = "memoryMb";

    /// <summary>The server's port (a template's default, or the user's <c>port</c> variable).</summary>
    public const string Port = "port";

    /// <summary>The server directory, filled in by the agent.</summary>
    public const string ServerDir = "serverDir";

    /// <summary>The template that takes the user's own start command.</summary>
    public const string Generic = "generic";

    /// <summary>The most argv words of a start command.</summary>
    public const int MaxWords = 64;

    /// <summary>The longest argv word, console command, path, pattern or variable value.</summary>
    public const int MaxText = 256;

    /// <summary>The most user variables, crash rules or denylist entries of one template.</summary>
    public const int MaxItems = 32;

    /// <summary>The longest config file a template may render.</summary>
    public const int MaxConfigFileLength = 64 * 1024;

    /// <summary>The largest UDP readiness datagram.</summary>
    public const int MaxUdpPayloadBytes = 512;

    /// <summary>The lowest and highest port a server may listen on.</summary>
    public const int MinPort = 1024;

    /// <summary>The highest port.</summary>
    public const int MaxPort = 65535;

    /// <summary>The longest stop step or start timeout.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>How long one match of a template's pattern may take (a template's regex runs on every console line).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The signals a stop may send: HUP, INT, QUIT, USR1, USR2, TERM.</summary>
    public static readonly IReadOnlySet<int> StopSignals = new HashSet<int> { 1, 2, 3, 10, 12, 15 };

    /// <summary>One sentence per bad field, in field order, each starting with the field's name; empty when the template is good.</summary>
    public static List<string> Problems(GameTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var problems = new List<string>();
        if (template.Name is null || !Name().IsMatch(template.Name))
        {
            problems.Add($"name '{RuntimeEntryRules.Printable(template.Name)}' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter.");
        }

        if (template.Version is null || !Version().IsMatch(template.Version))
        {
            problems.Add($"version '{RuntimeEntryRules.Printable(template.Version)}' must be 1-32 characters of letters, digits, '.', '+' and '-', starting with a letter or digit.");
        }

        if (template.Description is null || template.Description.Length > MaxText || HasControl(template.Description))
        {
            problems.Add($"description must be at most {MaxText} characters without control characters.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal) { MemoryMb, Port, ServerDir };
        var variables = template.Variables ?? [];
        if (template.Variables is null || variables.Count > MaxItems)
        {
            problems.Add($"variables must be a list of at most {MaxItems}.");
        }

        for (var i = 0; i < variables.Count; i++)
        {
            if (VariableProblem(variables[i]) is { } problem)
            {
                problems.Add($"variables[{i}].{problem}");
            }
            else if (!names.Add(variables[i].Name))
            {
                problems.Add($"variables[{i}].name '{variables[i].Name}' is taken (by a built-in variable or an earlier one).");
            }
        }

        var words = template.StartCommand ?? [];
        if (template.StartCommand is null || words.Count > MaxWords || (words.Count == 0 && !template.StartCommandEditable))
        {
            problems.Add($"startCommand must be 1-{MaxWords} argv words (empty only when the start command is editable).");
        }

        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] is not { Length: > 0 and <= MaxText } word || HasControl(word))
            {
                problems.Add($"startCommand[{i}] must be 1-{MaxText} characters without control characters.");
                continue;
            }

            foreach (var unknown in Placeholders(word).Where(n => !names.Contains(n)))
            {
                problems.Add($"startCommand[{i}] uses '{{{{{unknown}}}}}', which is neither built in nor a variable of the template.");
            }
        }

        if (template.DefaultPort is { } port && port is < MinPort or > MaxPort)
        {
            problems.Add($"defaultPort must be between {MinPort} and {MaxPort}.");
        }

        if (StopProblem(template.Stop) is { } stop)
        {
            problems.Add(stop);
        }

        if (template.Readiness is not { } readiness)
        {
            problems.Add("readiness is required (null pattern and probePort false: ready when the process is up).");
        }
        else
        {
            if (readiness.ConsolePattern is not null && PatternProblem(readiness.ConsolePattern) is { } bad)
            {
                problems.Add("readiness.consolePattern " + bad);
            }

            if (readiness.ProbePort && template.DefaultPort is null)
            {
                problems.Add("readiness.probePort needs a defaultPort.");
            }

            if (readiness.StartTimeout <= TimeSpan.Zero || readiness.StartTimeout > MaxTimeout)
            {
                problems.Add($"readiness.startTimeout must be positive and at most {MaxTimeout}.");
            }
        }

        var rules = template.CrashRules ?? [];
        if (template.CrashRules is null || rules.Count > MaxItems)
        {
            problems.Add($"crashRules must be a list of at most {MaxItems}.");
        }

        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is null || !Enum.IsDefined(rules[i].Classification) || rules[i].Classification == CrashClassification.StartTimeout)
            {
                problems.Add($"crashRules[{i}].classification must be one of oom, mod_or_plugin_error, missing_dependency, nonzero_exit, unexpected_exit.");
            }
            else if (PatternProblem(rules[i].Pattern) is { } bad)
            {
                problems.Add($"crashRules[{i}].pattern {bad}");
            }
        }

        if (template.ModsDirectory is not null && !IsRelativeInside(template.ModsDirectory))
        {
            problems.Add("modsDirectory must be a relative path inside the server directory (no '..', not absolute).");
        }

        var denylist = template.FileDenylist ?? [];
        if (template.FileDenylist is null || denylist.Count > MaxItems || !denylist.All(IsRelativeInside))
        {
            problems.Add($"fileDenylist must be at most {MaxItems} relative paths inside the server directory.");
        }

        if (template.Install is { } install)
        {
            if (!Uri.TryCreate(install.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.UserInfo.Length > 0)
            {
                problems.Add("install.url must be an absolute http or https URL without credentials.");
            }

            if (install.Sha256 is null || !Sha256().IsMatch(install.Sha256))
            {
                problems.Add("install.sha256 must be 64 hexadecimal characters.");
            }

            if (install.SizeBytes is <= 0 or > Runtimes.RuntimeEntryRules.MaxArtifactBytes)
            {
                problems.Add($"install.sizeBytes must be between 1 and {Runtimes.RuntimeEntryRules.MaxArtifactBytes}.");
            }
        }

        var configFiles = template.ConfigFiles ?? [];
        if (configFiles.Count > MaxItems)
        {
            problems.Add($"configFiles must be a list of at most {MaxItems}.");
        }

        for (var i = 0; i < configFiles.Count; i++)
        {
            if (configFiles[i]?.Path is not { } path || !IsRelativeInside(path) || path.Length > MaxText)
            {
                problems.Add($"configFiles[{i}].path must be a relative path inside the server directory (no '..', not absolute) of at most {MaxText} characters.");
            }

            if (configFiles[i]?.Content is not { } content || content.Length > MaxConfigFileLength)
            {
                problems.Add($"configFiles[{i}].content must be at most {MaxConfigFileLength} characters.");
            }
        }

        if (template.Readiness?.ProbeUdpPayloadHex is { } payload && (!template.Readiness.ProbePort || payload.Length is 0 or > MaxUdpPayloadBytes * 2 || payload.Length % 2 != 0 || !payload.All(char.IsAsciiHexDigit)))
        {
            problems.Add($"readiness.probeUdpPayloadHex must be 1-{MaxUdpPayloadBytes} bytes as hexadecimal digits, with probePort on.");
        }

        return problems;
    }

    /// <summary>The names of the <c>{{name}}</c> placeholders in <paramref name="word"/>.</summary>
    public static IEnumerable<string> Placeholders(string word) => Placeholder().Matches(word).Select(m => m.Groups[1].Value);

    /// <summary>Replaces each <c>{{name}}</c> whose value <paramref name="value"/> knows, in one pass (a value is never expanded again).</summary>
    public static string Fill(string word, Func<string, string?> value) =>
        Placeholder().Replace(word, m => value(m.Groups[1].Value) ?? m.Value);

    /// <summary>
    /// A template's pattern, compiled for the linear-time matcher (an operator's pattern runs on tenant-chosen text: console
    /// lines and variable values, so no pattern may backtrack exponentially). A template stored before that rule, whose
    /// pattern uses a construct the linear matcher lacks, still compiles, backtracking within the match timeout.
    /// </summary>
    public static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
    }

    /// <summary>Why <paramref name="value"/> is not a value of <paramref name="variable"/> (a sentence without the field name), or null.</summary>
    public static string? ValueProblem(TemplateVariable variable, string? value)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (value is null || value.Length > MaxText || HasControl(value) || value.Contains("{{", StringComparison.Ordinal) || value.Contains("}}", StringComparison.Ordinal))
        {
            return $"must be at most {MaxText} characters without control characters or '{{{{' '}}}}'.";
        }

        switch (variable.Kind)
        {
            case VariableKind.WholeNumber:
                return int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= variable.Min && n <= variable.Max
                    ? null
                    : $"must be a whole number between {variable.Min} and {variable.Max}.";
            case VariableKind.Choice:
                return variable.Choices!.Contains(value, StringComparer.Ordinal) ? null : $"must be one of {string.Join(", ", variable.Choices!)}.";
            default:
                try
                {
                    return Compile(WholeValue(variable.Pattern!)).IsMatch(value) ? null : $"must match {variable.Pattern}.";
                }
                catch (Exception ex) when (ex is RegexMatchTimeoutException or ArgumentException)
                {
                    // ArgumentException: a pattern stored before its whole-value form was checked (see VariableProblem).
                    return $"must match {variable.Pattern}.";
                }
        }
    }

    private static string? VariableProblem(TemplateVariable? variable)
    {
        if (variable is null)
        {
            return "name is required.";
        }

        if (variable.Name is null || !VariableName().IsMatch(variable.Name))
        {
            return "name must be 1-32 letters and digits, starting with a letter.";
        }

        if (variable.Description is null || variable.Description.Length > MaxText || HasControl(variable.Description))
        {
            return $"description must be at most {MaxText} characters without control characters.";
        }

        var ruleProblem = variable.Kind switch
        {
            VariableKind.Text when variable.Pattern is null || PatternProblem(variable.Pattern) is not null || CompileProblem(WholeValue(variable.Pattern)) is not null =>
                "pattern must be a valid regular expression for a text variable.",
            VariableKind.WholeNumber when variable.Min is not { } min || variable.Max is not { } max || min > max => "min and max must be given, min at most max, for an integer variable.",
            VariableKind.Choice when variable.Choices is not { Count: > 0 and <= MaxItems } choices || choices.Any(c => c is null) => $"choices must be 1-{MaxItems} values for a choice variable.",
            VariableKind.Text or VariableKind.WholeNumber or VariableKind.Choice => null,
            _ => "kind must be Text, WholeNumber or Choice.",
        };
        if (ruleProblem is not null)
        {
            return ruleProblem;
        }

        return ValueProblem(variable, variable.Default) is { } bad ? "default " + bad : null;
    }

    private static string? StopProblem(StopMethod? stop)
    {
        if (stop is null || (string.IsNullOrWhiteSpace(stop.ConsoleCommand) && stop.Signal is null))
        {
            return "stop must name a console command, a signal, or both.";
        }

        if (stop.ConsoleCommand is { } command && (command.Length > MaxText || HasControl(command)))
        {
            return $"stop.consoleCommand must be one line of at most {MaxText} characters.";
        }

        if (stop.Signal is { } signal && !StopSignals.Contains(signal))
        {
            return $"stop.signal must be one of {string.Join(", ", StopSignals.Order())}.";
        }

        return stop.Timeout <= TimeSpan.Zero || stop.Timeout > MaxTimeout ? $"stop.timeout must be positive and at most {MaxTimeout}." : null;
    }

    private static string? PatternProblem(string? pattern)
    {
        if (pattern is not { Length: > 0 and <= MaxText })
        {
            return $"must be 1-{MaxText} characters.";
        }

        return CompileProblem(pattern);
    }

    private static string? CompileProblem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
            return null;
        }
        catch (ArgumentException)
        {
            return "is not a valid regular expression.";
        }
        catch (NotSupportedException)
        {
            return "uses a construct the linear-time matcher lacks (backreferences, lookarounds, atomic groups, conditionals).";
        }
    }

    /// <summary>
    /// A variable's pattern anchored to the whole value. Checked to compile on its own too: an inline <c>(?x)</c> comment
    /// can swallow the closing anchor, so a pattern that is valid alone may not be once wrapped.
    /// </summary>
    private static string WholeValue(string pattern) => "^(?:" + pattern + ")$";

    private static bool HasControl(string text) => text.Any(char.IsControl);

    private static bool IsRelativeInside(string? path) => RuntimeEntryRules.IsRelativeInside(path) && !HasControl(path!);

    [GeneratedRegex(@"\{\{([A-Za-z][A-Za-z0-9]{0,31})\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex Name();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,31}$")]
    private static partial Regex VariableName();

    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")]
    private static partial Regex Version();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();
}
