namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>Checks the <c>IdeTokens</c> section at start.</summary>
internal sealed class IdeTokenRateLimitOptionsValidator() : SectionValidator<IdeTokenRateLimitOptions>(IdeTokenRateLimitOptions.SectionName, static (options, failures) => failures
    .Positive(nameof(options.PermitLimit), options.PermitLimit)
    .Positive(nameof(options.Window), options.Window)
    .Positive(nameof(options.RedeemPermitLimit), options.RedeemPermitLimit)
    .Positive(nameof(options.RedeemWindow), options.RedeemWindow));
