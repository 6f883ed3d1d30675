namespace ZlhGrind.Gateway.Auth;

/// <summary>The <c>Auth</c> section: how portal bearer tokens (HS256 JWTs) are validated.</summary>
public sealed class JwtOptions
{
    public const string SectionName = "Auth";

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
}
