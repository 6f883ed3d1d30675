using System.Net;
using System.Text.Json;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Errors;

namespace ZlhGrind.Gateway.Auth;

/// <summary>
/// <c>POST /api/dev-token</c>: mints a portal token for a local stack. Mapped only when
/// <c>Auth:AllowDevTokens</c> is true, which it never is by default, and even then it answers only callers on this
/// machine (a loopback address) and reads at most <see cref="MaxBodyBytes"/>.
/// </summary>
internal static class DevTokenEndpoint
{
    /// <summary>The largest body read: a user id of at most 128 characters and a flag fit many times over.</summary>
    public const long MaxBodyBytes = 4 * 1024;

    private const int MaxUserIdLength = 128;

    public static IEndpointRouteBuilder MapDevTokenEndpoint(this IEndpointRouteBuilder app)
    {
        var settings = app.ServiceProvider.GetRequiredService<IOptions<JwtOptions>>().Value;
        if (!settings.AllowDevTokens)
        {
            return app;
        }

        app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DevTokenEndpoint))
            .LogWarning("Auth:AllowDevTokens is on: anyone on this machine can mint tokens. Local stacks only");
        app.MapPost("/api/dev-token", MintAsync)
            .AllowAnonymous()
            .Accepts<DevTokenRequest>("application/json")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        return app;
    }

    /// <summary>
    /// True for a caller on this machine. Behind a trusted proxy (<c>Proxy:*</c>) this is the client the proxy names,
    /// so a proxy on loopback does not make the whole internet local.
    /// </summary>
    public static bool IsLocalCaller(IPAddress? remote)
    {
        if (remote is null)
        {
            // No address (an in-memory or Unix-socket transport): nothing proves the caller is local.
            return false;
        }

        return IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);
    }

    private static async Task<IResult> MintAsync(HttpContext http, TokenIssuer issuer, IOptions<JwtOptions> options, IOptions<HttpJsonOptions> json)
    {
        // The caller is checked before a byte of the body is read.
        if (!IsLocalCaller(http.Connection.RemoteIpAddress))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden",
                detail: "Development tokens are minted only for callers on the gateway's own machine.");
        }

        if (!http.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: BadRequestDescription.UnsupportedMediaType);
        }

        DevTokenRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<DevTokenRequest>(json.Value.SerializerOptions, http.RequestAborted);
        }
        catch (JsonException exception)
        {
            throw new BadHttpRequestException("The body is not a dev-token request.", StatusCodes.Status400BadRequest, exception);
        }

        if (request is null || string.IsNullOrWhiteSpace(request.UserId) || request.UserId.Length > MaxUserIdLength)
        {
            throw new ZlhGrind.Grains.Containers.InvalidRequestException($"userId is required (at most {MaxUserIdLength} characters).");
        }

        var token = issuer.Issue(request.UserId, request.Operator ?? false, options.Value.DevTokenLifetime);
        return TypedResults.Ok(new DevTokenResponse(token));
    }
}

/// <summary>Body of <c>POST /api/dev-token</c>.</summary>
public sealed record DevTokenRequest(string? UserId = null, bool? Operator = null);

/// <summary>Answer of <c>POST /api/dev-token</c>.</summary>
public sealed record DevTokenResponse(string Token);
