using System.Text;

namespace ZlhGrind.Gateway.Auth;

/// <summary>The <c>Auth</c> section: how portal bearer tokens (HS256 JWTs) are validated.</summary>
public sealed class JwtOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "";

    public string Audience { get; set; } = "";

    /// <summary>The HMAC key as UTF-8 text; at least 32 bytes (HS256 needs a 256-bit key).</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Tolerated clock difference between the token issuer and this gateway.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Maps <c>POST /api/dev-token</c>, which mints tokens for anyone: local stacks only.</summary>
    public bool AllowDevTokens { get; set; }

    /// <summary>Lifetime of a token minted by the development route.</summary>
    public TimeSpan DevTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    internal bool IsValid(out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(Issuer) || string.IsNullOrWhiteSpace(Audience))
        {
            error = "Auth:Issuer and Auth:Audience are required.";
        }
        else if (Encoding.UTF8.GetByteCount(SigningKey) < 32)
        {
            error = "Auth:SigningKey must be at least 32 bytes.";
        }
        else if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            error = "Auth:ClockSkew must be between 0 and 5 minutes.";
        }
        else if (DevTokenLifetime <= TimeSpan.Zero)
        {
            error = "Auth:DevTokenLifetime must be positive.";
        }

        return error is null;
    }
}
