namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>The <c>IdeTokens</c> section: how many IDE tokens one user may mint per window.</summary>
public sealed class IdeTokenRateLimitOptions
{
    public const string Section = "IdeTokens";

    public int PermitLimit { get; set; } = 10;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
