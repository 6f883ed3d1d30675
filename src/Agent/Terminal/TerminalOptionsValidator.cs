using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Terminal;

/// <summary>Checks the <c>Agent:Terminal</c> section at start.</summary>
internal sealed class TerminalOptionsValidator() : SectionValidator<TerminalOptions>(TerminalOptions.SectionName, static (options, failures) => failures
    .Between(nameof(options.ScrollbackBytes), options.ScrollbackBytes, MinScrollbackBytes, MaxScrollbackBytes)
    .Between(nameof(options.DetachedLifetime), options.DetachedLifetime, TimeSpan.FromSeconds(1), MaxDetachedLifetime)
    .Between(nameof(options.MaxSessions), options.MaxSessions, 1, MaxSessionsLimit)
    .Between(nameof(options.ReplyWindow), options.ReplyWindow, TimeSpan.Zero, MaxReplyWindow)
    .Between(nameof(options.EndTimeout), options.EndTimeout, TimeSpan.Zero, MaxEndTimeout)
    .Between(nameof(options.MaxInputBytes), options.MaxInputBytes, 1, MaxInputBytesLimit))
{
    /// <summary>One screen of a wide terminal.</summary>
    private const int MinScrollbackBytes = 4 * 1024;

    /// <summary>Each session holds its scrollback in memory.</summary>
    private const int MaxScrollbackBytes = 64 * 1024 * 1024;

    private const int MaxSessionsLimit = 256;

    private const int MaxInputBytesLimit = 1024 * 1024;

    private static readonly TimeSpan MaxDetachedLifetime = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxReplyWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxEndTimeout = TimeSpan.FromMinutes(1);
}
