using System.Text.RegularExpressions;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>Refuses dev-environment settings that would put files in the wrong place or an account name useradd would reject.</summary>
internal sealed partial class DevEnvironmentOptionsValidator() : SectionValidator<DevEnvironmentOptions>(DevEnvironmentOptions.SectionName, Check)
{
    private static OptionsFailures Check(DevEnvironmentOptions options, OptionsFailures failures)
    {
        Absolute(failures, nameof(options.DataRoot), options.DataRoot);
        Absolute(failures, nameof(options.Shell), options.Shell);
        if (options.HomeRoot is not null)
        {
            Absolute(failures, nameof(options.HomeRoot), options.HomeRoot);
        }

        if (options.ProfilePath is not null)
        {
            Absolute(failures, nameof(options.ProfilePath), options.ProfilePath);
        }

        failures
            .Require(
                options.UserName is not null && UserNamePattern().IsMatch(options.UserName),
                nameof(options.UserName),
                $"must be 1-32 of a-z, 0-9, '_', '-' starting with a letter or '_', not '{options.UserName}'")
            .Require(
                !string.IsNullOrEmpty(options.WorkspaceName) && !options.WorkspaceName.Contains('/', StringComparison.Ordinal) && options.WorkspaceName is not ("." or ".."),
                nameof(options.WorkspaceName),
                $"must be a plain directory name, not '{options.WorkspaceName}'")
            .Require(!string.IsNullOrWhiteSpace(options.Term) && !options.Term.Any(char.IsControl), nameof(options.Term), "must be a terminal name such as xterm-256color");

        // The root agent writes these with plain file calls; inside the dev user's home the user could redirect them.
        if (options.ManageUser && options.UserName is not null && options.HomeRoot is not { Length: 0 })
        {
            var home = Path.Combine(options.HomeRoot ?? "/home", options.UserName) + "/";
            foreach (var (key, value) in new[] { (nameof(options.DataRoot), options.DataRoot), (nameof(options.ProfilePath), options.ProfilePath) })
            {
                failures.Require(
                    value is null || !(value + "/").StartsWith(home, StringComparison.Ordinal),
                    key,
                    $"must not be inside the dev user's home {home}, which that user controls, not '{value}'");
            }
        }

        var system = (options.SystemPath ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries);
        return failures.Require(
            system.Length > 0 && system.All(directory => directory.StartsWith('/')),
            nameof(options.SystemPath),
            $"must be a colon-separated list of absolute directories, not '{options.SystemPath}'");
    }

    private static void Absolute(OptionsFailures failures, string key, string? value) =>
        failures.Require(!string.IsNullOrEmpty(value) && value.StartsWith('/') && !value.Any(char.IsControl), key, $"must be an absolute path, not '{value}'");

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UserNamePattern();
}
