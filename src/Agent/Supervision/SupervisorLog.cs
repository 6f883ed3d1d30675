using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>Supervision's log events (source-generated: crash loops can make them frequent).</summary>
internal static partial class SupervisorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Reattached to game server {Pid} started {StartedAt}")]
    public static partial void Reattached(ILogger logger, int pid, DateTimeOffset startedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game server {Pid} started {StartedAt} ended while the agent was away; reading its exit status")]
    public static partial void EndedWhileAway(ILogger logger, int pid, DateTimeOffset startedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Start requested but the game server is already running as {Pid}")]
    public static partial void AlreadyRunning(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not launch the game server")]
    public static partial void LaunchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game server started as {Pid} with {StartCommand}")]
    public static partial void Started(ILogger logger, int pid, string startCommand);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game server {Pid} did not stop within {StopTimeout}; killing it")]
    public static partial void StopTimedOut(ILogger logger, int pid, TimeSpan stopTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent stop command {StopCommand} to game server {Pid}")]
    public static partial void SentStopCommand(ILogger logger, string stopCommand, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the stop command to the console of game server {Pid}; sending SIGTERM")]
    public static partial void StopCommandFailed(ILogger logger, Exception exception, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent signal {Signal} to game server {Pid}")]
    public static partial void SentSignal(ILogger logger, int signal, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game server {Pid} stop was forced: {Reason}")]
    public static partial void StopForced(ILogger logger, int pid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game server {Pid} was not ready within {StartTimeout}; killing it")]
    public static partial void StartTimedOut(ILogger logger, int pid, TimeSpan startTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killing game server {Pid} on request")]
    public static partial void Killing(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Game server {Pid} is still there {KillTimeout} after SIGKILL")]
    public static partial void KillTimedOut(ILogger logger, int pid, TimeSpan killTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game server {Pid} crashed after {Uptime}: {ExitStatus}, classified {Classification} by rule {Rule}; consecutive {ConsecutiveCrashes}, restart in {RestartDelay}, gave up {GaveUp}")]
    public static partial void Crashed(ILogger logger, int pid, TimeSpan uptime, ExitStatus exitStatus, string classification, string? rule, int consecutiveCrashes, TimeSpan? restartDelay, bool gaveUp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game server {Pid} ended: {ExitStatus}")]
    public static partial void Ended(ILogger logger, int pid, ExitStatus exitStatus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Game server {PreviousState} -> {State}: {Reason}")]
    public static partial void StateChanged(ILogger logger, GameServerState previousState, GameServerState state, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save the supervision state to {StateFile}")]
    public static partial void PersistFailed(ILogger logger, Exception exception, string stateFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Desired spec {Generation} has no game part; a game agent ignores it")]
    public static partial void NoGamePart(ILogger logger, long generation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Power request {PowerRequest}: {PowerAction}")]
    public static partial void PowerRequested(ILogger logger, long powerRequest, PowerAction powerAction);

    [LoggerMessage(Level = LogLevel.Error, Message = "Power action {PowerAction} failed")]
    public static partial void PowerFailed(ILogger logger, Exception exception, PowerAction powerAction);

    [LoggerMessage(Level = LogLevel.Error, Message = "The template's config files could not be written; the server is not started")]
    public static partial void ConfigFilesFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Power action {PowerAction} skipped: the template's files are not installed (the status says why)")]
    public static partial void StartSkipped(ILogger logger, PowerAction powerAction);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Game server {Pid} ended and left {Killed} processes in its group; they were killed")]
    public static partial void LeftoversKilled(ILogger logger, int pid, int killed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Game server {Pid} ended and processes in {MembersFile} survived SIGKILL for {Timeout}")]
    public static partial void LeftoversSurvived(ILogger logger, int pid, string membersFile, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not kill the group of game server {Pid} at once; killing its members one by one")]
    public static partial void GroupKillFailed(ILogger logger, Exception exception, int pid);
}
