using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>Checks the <c>IdeTokens</c> section at start.</summary>
internal sealed class IdeTokenRateLimitOptionsValidator : IValidateOptions<IdeTokenRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, IdeTokenRateLimitOptions options) =>
        new OptionsFailures(IdeTokenRateLimitOptions.SectionName)
            .Positive(nameof(options.PermitLimit), options.PermitLimit)
            .Positive(nameof(options.Window), options.Window)
            .Positive(nameof(options.RedeemPermitLimit), options.RedeemPermitLimit)
            .Positive(nameof(options.RedeemWindow), options.RedeemWindow)
            .Result;
}
