using System.Globalization;

namespace ZlhGrind.Agent.Processes;

/// <summary>
/// How a server ended: an exit code, or the signal that ended it; both null when nobody saw it end. <see cref="EndedAt"/>
/// is the shim's own clock reading when it recorded the end (null from an older shim).
/// </summary>
internal sealed record ExitStatus(int? ExitCode, int? Signal, DateTimeOffset? EndedAt = null)
{
    /// <summary>The shim died without recording anything (e.g. the container restarted).</summary>
    public static ExitStatus Unknown { get; } = new(null, null);

    public bool IsCleanExit => ExitCode == 0 && Signal is null;

    /// <summary>Parses the shim's "wait-status [epoch-seconds]": 128 + n means signal n (the shell's convention).</summary>
    public static ExitStatus Parse(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length is 0 or > 2 || !int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return Unknown;
        }

        DateTimeOffset? endedAt = words.Length == 2 && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
        return status is > 128 and <= 128 + 64 ? new ExitStatus(null, status - 128, endedAt) : new ExitStatus(status, null, endedAt);
    }

    public override string ToString() => (ExitCode, Signal) switch
    {
        (_, int signal) => $"signal {signal.ToString(CultureInfo.InvariantCulture)}",
        (int code, _) => $"exit code {code.ToString(CultureInfo.InvariantCulture)}",
        _ => "unknown exit status",
    };
}
