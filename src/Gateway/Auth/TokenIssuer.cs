using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ZlhGrind.Gateway.Auth;

/// <summary>Signs portal tokens with the configured key: for the development route and local tooling, never for production logins.</summary>
internal sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider timeProvider)
{
    private readonly JsonWebTokenHandler _handler = new();

    public string Issue(string userId, bool isOperator, TimeSpan lifetime)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new(Roles.SubjectClaim, userId) };
        if (isOperator)
        {
            claims.Add(new Claim(Roles.RoleClaim, Roles.Operator));
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey)),
                SecurityAlgorithms.HmacSha256),
        });
    }
}
