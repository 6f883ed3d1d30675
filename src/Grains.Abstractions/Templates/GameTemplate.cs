using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Grains.Templates;

// Contract records are positional: Orleans numbers primary-constructor parameters in order,
// so new parameters are only ever appended (with a default) to stay wire-compatible.

/// <summary>
/// How to run one kind of game server: the start command as argv words with <c>{{variables}}</c>, the variables a user
/// may set, how to stop it, when it counts as ready, extra crash rules, and where its mods and install artifact are.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.GameTemplate")]
public sealed record GameTemplate(
    string Name,
    string Version,
    string Description,
    IReadOnlyList<string> StartCommand,
    bool StartCommandEditable,
    int? DefaultPort,
    IReadOnlyList<TemplateVariable> Variables,
    StopMethod Stop,
    Readiness Readiness,
    IReadOnlyList<TemplateCrashRule> CrashRules,
    string? ModsDirectory,
    IReadOnlyList<string> FileDenylist,
    InstallArtifact? Install,
    IReadOnlyList<ConfigFile>? ConfigFiles = null);

/// <summary>
/// A config file the platform owns, whole: its path relative to the server directory and its content with
/// <c>{{variables}}</c>. Written by the agent after the install and again with every spec change (a user's edits to it
/// are replaced; files a user should edit freely are not listed).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.ConfigFile")]
public sealed record ConfigFile(string Path, string Content);

/// <summary>What a user variable's value must look like.</summary>
public enum VariableKind
{
    /// <summary>Text matching <see cref="TemplateVariable.Pattern"/> (whole value).</summary>
    Text = 1,

    /// <summary>A whole number between <see cref="TemplateVariable.Min"/> and <see cref="TemplateVariable.Max"/>.</summary>
    WholeNumber = 2,

    /// <summary>One of <see cref="TemplateVariable.Choices"/>.</summary>
    Choice = 3,
}

/// <summary>A variable a user may set at provisioning, with its default and its one validation rule.</summary>
[GenerateSerializer, Immutable, Alias("zlh.TemplateVariable")]
public sealed record TemplateVariable(
    string Name,
    string Description,
    string Default,
    VariableKind Kind,
    string? Pattern = null,
    int? Min = null,
    int? Max = null,
    IReadOnlyList<string>? Choices = null);

/// <summary>
/// How a graceful stop is asked for: the console command, the signal, or both in that order, each given
/// <see cref="Timeout"/> before the next step; SIGKILL after the last (reported as a forced stop).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.StopMethod")]
public sealed record StopMethod(string? ConsoleCommand, int? Signal, TimeSpan Timeout);

/// <summary>
/// When a started server counts as ready: a console line matching <see cref="ConsolePattern"/> in its new output and/or
/// its port answering, within <see cref="StartTimeout"/>. Neither set: ready once the process is up. The port probe is a
/// TCP connect, or with <see cref="ProbeUdpPayloadHex"/> a UDP datagram of those bytes (hex) answered by any reply
/// (a game whose query protocol only speaks UDP).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.Readiness")]
public sealed record Readiness(string? ConsolePattern, bool ProbePort, TimeSpan StartTimeout, string? ProbeUdpPayloadHex = null);

/// <summary>A template's own crash rule: a log-tail pattern and the classification it yields, tried before the built-in rules.</summary>
[GenerateSerializer, Immutable, Alias("zlh.TemplateCrashRule")]
public sealed record TemplateCrashRule(string Pattern, CrashClassification Classification);

/// <summary>
/// The server files (a tar.gz) the agent unpacks into the empty server directory on first install: fetched with its size
/// capped at <see cref="SizeBytes"/> and its sha256 checked before anything lands.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.InstallArtifact")]
public sealed record InstallArtifact(string Url, string Sha256, long SizeBytes = 0);

/// <summary>
/// A template rendered for one server, as the agent receives it with the desired spec: argv words with every variable
/// but <c>{{serverDir}}</c> (the agent's own directory) filled in, and the template's stop, readiness and crash rules.
/// An empty <see cref="Argv"/> means the spec's free start command (the generic template).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.GameLaunch")]
public sealed record GameLaunch(
    string TemplateVersion,
    IReadOnlyList<string> Argv,
    int? Port,
    StopMethod Stop,
    string? ReadyPattern,
    int? ReadyPort,
    TimeSpan StartTimeout,
    IReadOnlyList<TemplateCrashRule> CrashRules,
    string? ModsDirectory,
    IReadOnlyList<string> FileDenylist,
    InstallArtifact? Install,
    IReadOnlyList<ConfigFile>? ConfigFiles = null,
    string? ReadyUdpPayloadHex = null);
