using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.GameServer;

/// <summary>Checks the game server's directories and process watching at start, one message per bad value naming its full key.</summary>
internal sealed class GameServerOptionsValidator() : SectionValidator<GameServerOptions>(GameServerOptions.SectionName, static (options, failures) => failures
    .Require(options.ExitPollInterval > TimeSpan.Zero, nameof(options.ExitPollInterval), "must be positive.")
    .Require(options.LaunchTimeout > TimeSpan.Zero, nameof(options.LaunchTimeout), "must be positive.")
    .Require(options.MaxConsoleLogBytes >= MinConsoleLogBytes, nameof(options.MaxConsoleLogBytes), $"must be at least {MinConsoleLogBytes}.")
    .Require(options.ConsoleLogCheckInterval > TimeSpan.Zero, nameof(options.ConsoleLogCheckInterval), "must be positive.")
    .Require(options.ServerDirectory is null || Path.IsPathFullyQualified(options.ServerDirectory), nameof(options.ServerDirectory), "must be an absolute path.")
    .Require(options.RunDirectory is null || Path.IsPathFullyQualified(options.RunDirectory), nameof(options.RunDirectory), "must be an absolute path."))
{
    /// <summary>
    /// The smallest console log limit: the console promises at least the last 1 MiB of output (issue 15), and after a
    /// rotation by size the previous file alone holds more than the limit.
    /// </summary>
    public const long MinConsoleLogBytes = 1024 * 1024;
}
