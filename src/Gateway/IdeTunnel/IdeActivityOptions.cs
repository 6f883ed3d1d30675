using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>The <c>IdeActivity</c> section: how the tunnel reports IDE use to the dev container grains (idle culling).</summary>
public sealed class IdeActivityOptions
{
    public const string SectionName = "IdeActivity";

    /// <summary>A container's activity reaches its grain at most once per this interval from this gateway.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often pending activity is looked at: the first activity after a quiet spell reaches the grain within this.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Client-to-IDE WebSocket data frames with at most this many payload bytes are keepalives, not activity. 13 is
    /// the header of VS Code's remote protocol: its KeepAlive and Ack messages carry nothing else.
    /// </summary>
    public int KeepaliveMaxFrameBytes { get; set; } = 13;
}

/// <summary>Checks <see cref="IdeActivityOptions"/> at start.</summary>
internal sealed class IdeActivityOptionsValidator : IValidateOptions<IdeActivityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdeActivityOptions options)
    {
        var failures = new List<string>();
        if (options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add("IdeActivity:FlushInterval must be positive and at most 00:01:00.");
        }

        if (options.ReportInterval < options.FlushInterval || options.ReportInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add("IdeActivity:ReportInterval must be at least IdeActivity:FlushInterval and at most 00:10:00.");
        }

        if (options.KeepaliveMaxFrameBytes is < 0 or > 1024)
        {
            failures.Add("IdeActivity:KeepaliveMaxFrameBytes must be between 0 and 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
