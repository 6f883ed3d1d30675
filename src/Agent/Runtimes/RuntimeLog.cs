using Microsoft.Extensions.Logging;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>The runtime installer's log events.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {Runtime} {Version}: downloading {ArtifactUrl} ({SizeBytes} bytes)")]
    public static partial void Downloading(ILogger logger, string runtime, string version, Uri artifactUrl, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {Runtime} {Version} installed and verified: {VerifyOutput}")]
    public static partial void Installed(ILogger logger, string runtime, string version, string verifyOutput);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {Runtime} {Version} activated (was {PreviousVersion})")]
    public static partial void Activated(ILogger logger, string runtime, string version, string? previousVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {Runtime} rolled back from {Version} to {PreviousVersion}")]
    public static partial void RolledBack(ILogger logger, string runtime, string? version, string previousVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {Runtime} {Version} removed")]
    public static partial void Removed(ILogger logger, string runtime, string version);
}
