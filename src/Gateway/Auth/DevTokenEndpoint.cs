using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.Auth;

/// <summary>
/// <c>POST /api/dev-token</c>: mints a portal token for a local stack. Mapped only when
/// <c>Auth:AllowDevTokens</c> is true, which it never is by default.
/// </summary>
internal static class DevTokenEndpoint
{
    public static IEndpointRouteBuilder MapDevTokenEndpoint(this IEndpointRouteBuilder app)
    {
        var settings = app.ServiceProvider.GetRequiredService<IOptions<JwtOptions>>().Value;
        if (!settings.AllowDevTokens)
        {
            return app;
        }

        app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DevTokenEndpoint))
            .LogWarning("Auth:AllowDevTokens is on: anyone reaching this gateway can mint tokens. Local stacks only");
        app.MapPost("/api/dev-token", (DevTokenRequest request, TokenIssuer issuer) =>
        {
            if (string.IsNullOrWhiteSpace(request.UserId) || request.UserId.Length > 128)
            {
                throw new ZlhGrind.Grains.Containers.InvalidRequestException("userId is required (at most 128 characters).");
            }

            var token = issuer.Issue(request.UserId, request.Operator ?? false, settings.DevTokenLifetime);
            return TypedResults.Ok(new DevTokenResponse(token));
        }).AllowAnonymous();
        return app;
    }
}

/// <summary>Body of <c>POST /api/dev-token</c>.</summary>
public sealed record DevTokenRequest(string? UserId = null, bool? Operator = null);

/// <summary>Answer of <c>POST /api/dev-token</c>.</summary>
public sealed record DevTokenResponse(string Token);
