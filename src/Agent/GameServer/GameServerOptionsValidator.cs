using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.GameServer;

/// <summary>Checks the game server's directories and process watching at start, one message per bad value naming its full key.</summary>
internal sealed class GameServerOptionsValidator : IValidateOptions<GameServerOptions>
{
    /// <summary>
    /// The smallest console log limit: the console promises at least the last 1 MiB of output (issue 15), and after a
    /// rotation by size the previous file alone holds more than the limit.
    /// </summary>
    public const long MinConsoleLogBytes = 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, GameServerOptions options)
    {
        const string Section = GameServerOptions.SectionName;
        var failures = new List<string>();
        if (options.ExitPollInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:ExitPollInterval must be positive.");
        }

        if (options.LaunchTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:LaunchTimeout must be positive.");
        }

        if (options.MaxConsoleLogBytes < MinConsoleLogBytes)
        {
            failures.Add($"{Section}:MaxConsoleLogBytes must be at least {MinConsoleLogBytes}.");
        }

        if (options.ConsoleLogCheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:ConsoleLogCheckInterval must be positive.");
        }

        if (options.ServerDirectory is not null && !Path.IsPathFullyQualified(options.ServerDirectory))
        {
            failures.Add($"{Section}:ServerDirectory must be an absolute path.");
        }

        if (options.RunDirectory is not null && !Path.IsPathFullyQualified(options.RunDirectory))
        {
            failures.Add($"{Section}:RunDirectory must be an absolute path.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
