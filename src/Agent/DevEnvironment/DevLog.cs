using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>The dev environment's log events.</summary>
internal static partial class DevLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Created user {UserName} with home {Home}")]
    public static partial void UserCreated(ILogger logger, string userName, string home);

    [LoggerMessage(Level = LogLevel.Information, Message = "PATH written to {ProfilePath}: {Path}")]
    public static partial void PathWritten(ILogger logger, string profilePath, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "~/.profile in {Home} now sources {ProfilePath}")]
    public static partial void ProfileHooked(ILogger logger, string home, string profilePath);

    [LoggerMessage(Level = LogLevel.Error, Message = "The dev environment could not be prepared at start")]
    public static partial void PrepareFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev container {State}: {Reason}")]
    public static partial void StateChanged(ILogger logger, DevContainerState state, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying desired spec generation {Generation} failed")]
    public static partial void ApplyFailed(ILogger logger, Exception exception, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Desired spec generation {Generation} has no dev part; ignored")]
    public static partial void NoDevSpec(ILogger logger, long generation);
}
