using System.Globalization;

namespace ZlhGrind.Agent.Processes;

/// <summary>How a server ended: an exit code, or the signal that ended it; both null when nobody saw it end.</summary>
internal sealed record ExitStatus(int? ExitCode, int? Signal)
{
    /// <summary>The shim died without recording anything (e.g. the container restarted).</summary>
    public static ExitStatus Unknown { get; } = new(null, null);

    public bool IsCleanExit => ExitCode == 0 && Signal is null;

    /// <summary>Parses the shim's wait status: 128 + n means signal n (the shell's convention).</summary>
    public static ExitStatus Parse(string text)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return Unknown;
        }

        return status is > 128 and <= 128 + 64 ? new ExitStatus(null, status - 128) : new ExitStatus(status, null);
    }

    public override string ToString() => (ExitCode, Signal) switch
    {
        (_, int signal) => $"signal {signal.ToString(CultureInfo.InvariantCulture)}",
        (int code, _) => $"exit code {code.ToString(CultureInfo.InvariantCulture)}",
        _ => "unknown exit status",
    };
}
