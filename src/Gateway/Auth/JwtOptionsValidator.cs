using System.Text;

namespace ZlhGrind.Gateway.Auth;

/// <summary>Checks the <c>Auth</c> section at start.</summary>
internal sealed class JwtOptionsValidator() : SectionValidator<JwtOptions>(JwtOptions.SectionName, static (options, failures) => failures
    .Require(!string.IsNullOrWhiteSpace(options.Issuer), nameof(options.Issuer), "is required.")
    .Require(!string.IsNullOrWhiteSpace(options.Audience), nameof(options.Audience), "is required.")
    .Require(Encoding.UTF8.GetByteCount(options.SigningKey ?? "") >= MinSigningKeyBytes, nameof(options.SigningKey), $"must be at least {MinSigningKeyBytes} bytes (UTF-8).")
    .Between(nameof(options.ClockSkew), options.ClockSkew, TimeSpan.Zero, MaxClockSkew)
    .Positive(nameof(options.DevTokenLifetime), options.DevTokenLifetime))
{
    /// <summary>HS256 needs a 256-bit key.</summary>
    private const int MinSigningKeyBytes = 32;

    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);
}
