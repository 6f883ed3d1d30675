using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>Real HS256 JWTs signed the way a portal login service would, with the real clock (token validation reads it).</summary>
public static class TestTokens
{
    public const string Issuer = "zlh-test-issuer";
    public const string Audience = "zlh-portal";
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijkl";

    public static string For(string userId, bool isOperator = false, TimeSpan? lifetime = null, string? signingKey = null, string issuer = Issuer, DateTime? notBefore = null)
    {
        var start = notBefore ?? DateTime.UtcNow.AddMinutes(-1);
        var claims = new List<Claim> { new("sub", userId) };
        if (isOperator)
        {
            claims.Add(new Claim("role", "operator"));
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = start,
            NotBefore = start,
            Expires = start + (lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey ?? SigningKey)),
                SecurityAlgorithms.HmacSha256),
        });
    }
}
