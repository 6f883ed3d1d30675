using System.Globalization;

namespace ZlhGrind.Tools.Seed;

/// <summary>
/// <c>provision|ready --gateway URL --state DIR --game-id N --dev-id N [...]</c>; <c>provision</c> also takes
/// <c>--artifacts-url URL --game-command CMD --ide-address ADDRESS --runtime NAME@VERSION...</c>, <c>ready</c>
/// <c>--dashboard-url URL</c>.
/// </summary>
internal sealed record SeedArguments(
    string Verb,
    Uri Gateway,
    string State,
    long GameId,
    long DevId,
    Uri? ArtifactsUrl,
    string? GameCommand,
    string? IdeAddress,
    IReadOnlyList<(string Name, string Version)> Runtimes,
    Uri? DashboardUrl)
{
    public const string Provision = "provision";
    public const string Ready = "ready";

    public static SeedArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not (Provision or Ready))
        {
            throw new SeedException("usage: ZlhGrind.Seed provision|ready --gateway URL --state DIR --game-id N --dev-id N [options]");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var runtimes = new List<(string, string)>();
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new SeedException($"expected '--name value' pairs, got '{name}'");
            }

            var value = args[++i];
            if (name == "--runtime")
            {
                runtimes.Add(Runtime(value));
            }
            else
            {
                values[name] = value;
            }
        }

        var verb = args[0];
        return new SeedArguments(
            verb,
            Url(Required(values, "--gateway"), "--gateway"),
            Path.GetFullPath(Required(values, "--state")),
            Id(Required(values, "--game-id"), "--game-id"),
            Id(Required(values, "--dev-id"), "--dev-id"),
            verb == Provision ? Url(Required(values, "--artifacts-url"), "--artifacts-url") : null,
            verb == Provision ? Required(values, "--game-command") : null,
            verb == Provision ? Required(values, "--ide-address") : null,
            verb == Provision && runtimes.Count == 0 ? throw new SeedException("provision needs at least one --runtime NAME@VERSION") : runtimes,
            verb == Ready ? Url(Required(values, "--dashboard-url"), "--dashboard-url") : null);
    }

    /// <summary>The folder of a container's agent: its credential and its data.</summary>
    public string AgentFolder(long id) => Path.Combine(State, "agents", id.ToString(CultureInfo.InvariantCulture));

    /// <summary>Where <c>provision</c> leaves the tokens for <c>ready</c> (owner-only, like the keys beside it).</summary>
    public string SeedFile => Path.Combine(State, "run", "seed.json");

    private static string Required(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new SeedException($"{name} is required");

    private static Uri Url(string value, string name) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new SeedException($"{name} must be an http(s) URL, got '{value}'");

    private static long Id(string value, string name) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new SeedException($"{name} must be a positive container id, got '{value}'");

    private static (string, string) Runtime(string value) =>
        value.Split('@') is [{ Length: > 0 } name, { Length: > 0 } version]
            ? (name, version)
            : throw new SeedException($"--runtime must be NAME@VERSION, got '{value}'");
}
