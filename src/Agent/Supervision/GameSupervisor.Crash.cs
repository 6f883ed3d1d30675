using System.Globalization;
using ZlhGrind.Agent.Crashes;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Supervision;

/// <summary>An exit: a requested stop, a stop from inside the game, or a crash with its record and the policy's decision.</summary>
internal sealed partial class GameSupervisor
{
    /// <summary>The server's mods, when it has a file manager: a crash names those changed since the last ready run.</summary>
    public Files.IModChanges? ModChanges { get; set; }

    private void OnExited(ServerProcess server, ExitStatus status)
    {
        CrashRecord? crash = null;
        string? rule = null;
        lock (_gate)
        {
            if (!ReferenceEquals(_server, server) || _detached)
            {
                return;
            }

            _server = null;
            server.Dispose();
            // A server that ended while no agent watched it ended when its shim says, not when this agent found out.
            var now = _time.GetUtcNow();
            var endedAt = server.Reattached && status.EndedAt is { } ended && ended >= server.StartedAt && ended < now ? ended : now;
            var uptime = Max(TimeSpan.Zero, endedAt - server.StartedAt);
            var plan = _plan;
            var wasReady = _readyAt is not null;
            var startTimedOut = _startTimedOut == server.LaunchId;
            var forced = _stopForced;
            _plan = null;
            _readyAt = null;
            _startTimedOut = null;
            _stopForced = null;
            if (server.StopRequested)
            {
                var stop = forced is null
                    ? new StopReport(endedAt, Forced: false, "stopped on request (" + status + ")")
                    : new StopReport(endedAt, Forced: true, forced + "; ended by SIGKILL (" + status + ")");
                _lastStop = stop;
                if (stop.Forced)
                {
                    SupervisorLog.StopForced(_logger, server.Server.Pid, stop.Reason);
                }

                SetState(GameServerState.Stopped, stop.Reason, stop: stop);
            }
            else if (!startTimedOut && status.IsCleanExit && !_options.CleanExitIsCrash)
            {
                // A server stopped from inside the game (an operator typed "stop") went through its own shutdown.
                SetState(GameServerState.Stopping, "the server stopped by itself");
                SetState(GameServerState.Stopped, "the server exited by itself with code 0");
            }
            else
            {
                var tail = LogTail.Read(server.Run.ConsoleLog, _options.LogTailLines, _options.LogTailBytes, server.ConsoleStart);
                // The kernel's word beats any log line: a group whose OOM-kill count rose during the run was killed for memory.
                (var classification, rule) = startTimedOut
                    ? (CrashClassification.StartTimeout, "start-timeout")
                    : _limits.OomKills() > server.OomKillsBefore
                        ? (CrashClassification.Oom, "cgroup-oom-kill")
                        : CrashClassifier.Classify(status, tail, plan?.CrashRules ?? []);

                // A run that never became ready is never the stable run that forgives earlier crashes.
                var decision = _policy.OnCrashed(giveUpAtOnce: classification == CrashClassification.MissingDependency, mayBeStable: wasReady, endedAt);
                if (!decision.GiveUp)
                {
                    _restarts.Arm(Max(TimeSpan.Zero, endedAt + decision.Delay - now));
                }

                var reason = CrashReason(decision, classification);
                // A mod or plugin error names what changed since the last ready run: the likeliest culprits.
                var changedMods = classification == CrashClassification.ModOrPluginError ? ModChanges?.ChangedSinceCleanRun() : null;
                crash = new CrashRecord(
                    Guid.NewGuid(), endedAt, status.ExitCode, status.Signal, uptime, classification, tail,
                    decision.ConsecutiveCrashes, decision.RestartDelay, decision.GiveUp, changedMods is { Count: > 0 } ? changedMods : null);
                SetState(GameServerState.Crashed, status + ", " + reason);
                var record = crash;
                _events.Publish((sequence, at) => new GameCrashed(sequence, at, record));
                if (decision.GiveUp)
                {
                    SetState(GameServerState.Error, reason);
                }
            }

            _launcher.ForgetLaunch(server.LaunchId);
            Persist();
        }

        if (crash is not null)
        {
            SupervisorLog.Crashed(
                _logger, server.Server.Pid, crash.Uptime, status, crash.Classification.WireName(), rule,
                crash.ConsecutiveCrashes, crash.RestartDelay, crash.GaveUp);
        }
        else
        {
            SupervisorLog.Ended(_logger, server.Server.Pid, status);
        }
    }

    /// <summary>Why the server is Crashed (and, when the policy gave up, in Error).</summary>
    private string CrashReason(RestartDecision decision, CrashClassification classification)
    {
        if (decision.GiveUp && classification == CrashClassification.MissingDependency)
        {
            return "missing_dependency: restarting cannot fix a missing library, jar or binary";
        }

        if (classification == CrashClassification.StartTimeout && !decision.GiveUp)
        {
            return $"start_timeout: not ready within the template's start timeout, stopped; restart in {decision.Delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }

        return decision.GiveUp
            ? $"crashed {decision.ConsecutiveCrashes.ToString(CultureInfo.InvariantCulture)} times in a row, each within {_options.StableUptime.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s of starting"
            : $"{classification.WireName()}; restart in {decision.Delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
    }
}
