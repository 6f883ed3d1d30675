using System.Text;
using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.Auth;

/// <summary>Checks the <c>Auth</c> section at start.</summary>
internal sealed class JwtOptionsValidator : IValidateOptions<JwtOptions>
{
    /// <summary>HS256 needs a 256-bit key.</summary>
    private const int MinSigningKeyBytes = 32;

    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, JwtOptions options) =>
        new OptionsFailures(JwtOptions.SectionName)
            .Require(!string.IsNullOrWhiteSpace(options.Issuer), nameof(options.Issuer), "is required.")
            .Require(!string.IsNullOrWhiteSpace(options.Audience), nameof(options.Audience), "is required.")
            .Require(Encoding.UTF8.GetByteCount(options.SigningKey ?? "") >= MinSigningKeyBytes, nameof(options.SigningKey), $"must be at least {MinSigningKeyBytes} bytes (UTF-8).")
            .Between(nameof(options.ClockSkew), options.ClockSkew, TimeSpan.Zero, MaxClockSkew)
            .Positive(nameof(options.DevTokenLifetime), options.DevTokenLifetime)
            .Result;
}
