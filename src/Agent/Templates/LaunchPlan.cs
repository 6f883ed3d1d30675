using System.Text.RegularExpressions;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Agent.Templates;

/// <summary>
/// How this agent runs one spec: the shell command the shim executes, the stop steps, the readiness to wait for and the
/// template's crash rules, compiled. Built from the silo's rendered <see cref="GameLaunch"/>, or from a spec without one
/// (the free start command of before: stop command, else SIGTERM, within <c>Agent:Supervision:StopTimeout</c>; ready when up).
/// <see cref="ReadyUdpPayload"/> set: the port is probed with that UDP datagram instead of a TCP connect.
/// </summary>
internal sealed record LaunchPlan(
    string Command,
    StopMethod Stop,
    Regex? ReadyPattern,
    int? ReadyPort,
    TimeSpan StartTimeout,
    IReadOnlyList<(Regex Pattern, CrashClassification Classification)> CrashRules,
    byte[]? ReadyUdpPayload = null)
{
    /// <summary>Whether the server must prove it is ready before it counts as Running.</summary>
    public bool HasReadiness => ReadyPattern is not null || ReadyPort is not null;

    public static LaunchPlan For(GameServerSpec spec, string serverDirectory, TimeSpan defaultStopTimeout)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Launch is not { } launch)
        {
            var command = string.IsNullOrWhiteSpace(spec.StopCommand) ? null : spec.StopCommand;
            return new LaunchPlan(spec.StartCommand, new StopMethod(command, command is null ? Signals.Term : null, defaultStopTimeout), null, null, defaultStopTimeout, []);
        }

        // Each word is one argument: single-quoted for the shim's sh, so no value is ever read as shell syntax.
        var shell = launch.Argv.Count == 0
            ? spec.StartCommand
            : string.Join(' ', launch.Argv.Select(word => Quote(GameTemplateRules.Fill(word, name => name == GameTemplateRules.ServerDir ? serverDirectory : null))));
        return new LaunchPlan(
            shell,
            launch.Stop,
            launch.ReadyPattern is null ? null : Pattern(launch.ReadyPattern),
            launch.ReadyPort,
            launch.StartTimeout,
            [.. (launch.CrashRules ?? []).Select(rule => (Pattern(rule.Pattern), rule.Classification))],
            launch.ReadyPort is null || launch.ReadyUdpPayloadHex is null ? null : Convert.FromHexString(launch.ReadyUdpPayloadHex));
    }

    /// <summary>
    /// A template's pattern as the agent matches it. The linear-time engine (the silo refuses any other for new
    /// templates) cannot backtrack catastrophically, so a wall-clock match timeout would measure only how loaded the
    /// machine is: under load a ready line or a crash line that timed out was passed over (the server stayed Starting; a
    /// crash fell through to the built-in rules). Only a pattern stored before that rule, on the backtracking engine,
    /// keeps its timeout.
    /// </summary>
    internal static Regex Pattern(string pattern)
    {
        var regex = GameTemplateRules.Compile(pattern);
        return regex.Options.HasFlag(RegexOptions.NonBacktracking) ? new Regex(pattern, regex.Options, Regex.InfiniteMatchTimeout) : regex;
    }

    /// <summary>For a server whose spec is unknown (reattached without one): SIGTERM to stop, no readiness, built-in crash rules.</summary>
    public static LaunchPlan Unknown(TimeSpan stopTimeout) => new("", new StopMethod(null, Signals.Term, stopTimeout), null, null, stopTimeout, []);

    /// <summary>A word as one argument of <c>/bin/sh</c>: single quotes, each inner quote closed, escaped and reopened.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
