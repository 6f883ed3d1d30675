namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>Checks the <c>IdeActivity</c> section at start.</summary>
internal sealed class IdeActivityOptionsValidator() : SectionValidator<IdeActivityOptions>(IdeActivityOptions.SectionName, static (options, failures) => failures
    .Require(options.FlushInterval > TimeSpan.Zero && options.FlushInterval <= MaxFlushInterval, nameof(options.FlushInterval), $"must be positive and at most {MaxFlushInterval:c}.")
    .Require(options.ReportInterval >= options.FlushInterval && options.ReportInterval <= MaxReportInterval, nameof(options.ReportInterval), $"must be at least IdeActivity:FlushInterval and at most {MaxReportInterval:c}.")
    .Require(options.KeepaliveMaxFrameBytes is >= 0 and <= MaxKeepaliveBytes, nameof(options.KeepaliveMaxFrameBytes), "must be between 0 and 1024."))
{
    private static readonly TimeSpan MaxFlushInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxReportInterval = TimeSpan.FromMinutes(10);

    /// <summary>Larger frames are typing or more; a protocol's keepalive is a few bytes.</summary>
    private const int MaxKeepaliveBytes = 1024;
}
