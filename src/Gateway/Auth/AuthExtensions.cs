using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ZlhGrind.Gateway.Auth;

/// <summary>Registers JWT bearer authentication and the operator policy.</summary>
internal static class AuthExtensions
{
    private const int MaxSubjectLength = 128;

    public static WebApplicationBuilder AddGatewayAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwt) =>
            {
                var settings = jwt.Value;

                // Claims keep their JWT names ("sub", "role") instead of the long WS-* URIs.
                bearer.MapInboundClaims = false;
                bearer.RequireHttpsMetadata = false;
                bearer.IncludeErrorDetails = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = settings.ClockSkew,
                    NameClaimType = Roles.SubjectClaim,
                    RoleClaimType = Roles.RoleClaim,
                };
                bearer.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        // Ownership is keyed by the subject, so a token without a usable one proves nothing.
                        var subject = context.Principal?.FindFirst(Roles.SubjectClaim)?.Value;
                        if (string.IsNullOrWhiteSpace(subject) || subject.Length > MaxSubjectLength)
                        {
                            context.Fail("The token has no usable subject.");
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.OperatorPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.Operator));
        builder.Services.AddSingleton<TokenIssuer>();
        return builder;
    }
}
