using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>Refuses dev-environment settings that would put files in the wrong place or an account name useradd would reject.</summary>
internal sealed partial class DevEnvironmentOptionsValidator : IValidateOptions<DevEnvironmentOptions>
{
    public ValidateOptionsResult Validate(string? name, DevEnvironmentOptions options)
    {
        var errors = new List<string>();
        RequireAbsolute(errors, nameof(options.DataRoot), options.DataRoot);
        RequireAbsolute(errors, nameof(options.Shell), options.Shell);
        if (options.HomeRoot is not null)
        {
            RequireAbsolute(errors, nameof(options.HomeRoot), options.HomeRoot);
        }

        if (options.ProfilePath is not null)
        {
            RequireAbsolute(errors, nameof(options.ProfilePath), options.ProfilePath);
        }

        if (options.UserName is null || !UserNamePattern().IsMatch(options.UserName))
        {
            errors.Add($"{DevEnvironmentOptions.SectionName}:UserName must be 1-32 of a-z, 0-9, '_', '-' starting with a letter or '_', not '{options.UserName}'");
        }

        if (string.IsNullOrEmpty(options.WorkspaceName) || options.WorkspaceName.Contains('/', StringComparison.Ordinal) || options.WorkspaceName is "." or "..")
        {
            errors.Add($"{DevEnvironmentOptions.SectionName}:WorkspaceName must be a plain directory name, not '{options.WorkspaceName}'");
        }

        if (string.IsNullOrWhiteSpace(options.Term) || options.Term.Any(char.IsControl))
        {
            errors.Add($"{DevEnvironmentOptions.SectionName}:Term must be a terminal name such as xterm-256color");
        }

        // The root agent writes these with plain file calls; inside the dev user's home the user could redirect them.
        if (options.ManageUser && options.UserName is not null && options.HomeRoot is not { Length: 0 })
        {
            var home = Path.Combine(options.HomeRoot ?? "/home", options.UserName) + "/";
            foreach (var (key, value) in new[] { (nameof(options.DataRoot), options.DataRoot), (nameof(options.ProfilePath), options.ProfilePath) })
            {
                if (value is not null && (value + "/").StartsWith(home, StringComparison.Ordinal))
                {
                    errors.Add($"{DevEnvironmentOptions.SectionName}:{key} must not be inside the dev user's home {home}, which that user controls, not '{value}'");
                }
            }
        }

        var system = (options.SystemPath ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (system.Length == 0 || system.Any(directory => !directory.StartsWith('/')))
        {
            errors.Add($"{DevEnvironmentOptions.SectionName}:SystemPath must be a colon-separated list of absolute directories, not '{options.SystemPath}'");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireAbsolute(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.StartsWith('/') || value.Any(char.IsControl))
        {
            errors.Add($"{DevEnvironmentOptions.SectionName}:{key} must be an absolute path, not '{value}'");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UserNamePattern();
}
