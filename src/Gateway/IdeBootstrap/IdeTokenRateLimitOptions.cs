namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>The <c>IdeTokens</c> section: how many IDE tokens one user may mint, and one client address redeem, per window.</summary>
public sealed class IdeTokenRateLimitOptions
{
    public const string SectionName = "IdeTokens";

    public int PermitLimit { get; set; } = 10;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Bootstrap redeems (valid or not) one client address may make per <see cref="RedeemWindow"/>.</summary>
    public int RedeemPermitLimit { get; set; } = 30;

    public TimeSpan RedeemWindow { get; set; } = TimeSpan.FromMinutes(1);
}
