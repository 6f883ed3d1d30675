using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>
/// The IDE bootstrap (DESIGN §6): a bearer-authenticated user mints a one-time token; the new browser tab redeems
/// it (the token is the authority, no bearer needed) for the <c>zlh_ide</c> session cookie of that container only.
/// </summary>
internal static class IdeBootstrapEndpoints
{
    public const string RateLimitPolicy = "ide-token";

    /// <summary>Redeems per client address: guessing tokens costs a grain call each, so it is bounded.</summary>
    public const string RedeemRateLimitPolicy = "ide-redeem";

    public static WebApplicationBuilder AddIdeBootstrap(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdeTokenRateLimitOptions>()
            .BindConfiguration(IdeTokenRateLimitOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IdeTokenRateLimitOptions>, IdeTokenRateLimitOptionsValidator>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RedeemEndpoint>() is not null)
                {
                    await HtmlPages.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many IDE links opened", "Too many IDE links were opened from this address; wait a moment and open the IDE again from the portal.");
                    return;
                }

                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Too many IDE tokens requested; wait a moment." },
                });
            };
            limiter.AddPolicy(RateLimitPolicy, http =>
            {
                var settings = http.RequestServices.GetRequiredService<IOptions<IdeTokenRateLimitOptions>>().Value;
                var user = http.User.FindFirst(Roles.SubjectClaim)?.Value ?? "";
                return RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.PermitLimit,
                    Window = settings.Window,
                    QueueLimit = 0,
                });
            });
            limiter.AddPolicy(RedeemRateLimitPolicy, http =>
            {
                var settings = http.RequestServices.GetRequiredService<IOptions<IdeTokenRateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.RedeemPermitLimit,
                    Window = settings.RedeemWindow,
                    QueueLimit = 0,
                });
            });
        });
        return builder;
    }

    public static RouteGroupBuilder MapIdeTokenEndpoint(this RouteGroupBuilder api)
    {
        api.MapPost("/dev/{id:vmid}/ide-token", IssueAsync).RequireRateLimiting(RateLimitPolicy);
        return api;
    }

    public static IEndpointRouteBuilder MapIdeBootstrapEndpoint(this IEndpointRouteBuilder app)
    {
        // Outside the bearer-protected group on purpose: a new browser tab has no bearer, the token is the proof.
        app.MapGet("/api/dev/{id:vmid}/ide", RedeemAsync).AllowAnonymous().RequireRateLimiting(RedeemRateLimitPolicy).WithMetadata(new RedeemEndpoint());
        return app;
    }

    private static async Task<IResult> IssueAsync(HttpContext http, ContainerGrains containers, IdeHostPattern hosts, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.DevAsync(id);
        var grant = await grain.IssueIdeTokenAsync(actor);
        http.Response.Headers.CacheControl = "no-store";
        var url = hosts.IsEnabled
            ? hosts.UrlFor(http.Request, id, IdeHostPattern.BootstrapPath + "?token=" + Uri.EscapeDataString(grant.Token))
            : "/api/dev/" + id.ToString(CultureInfo.InvariantCulture) + "/ide?token=" + Uri.EscapeDataString(grant.Token);
        return TypedResults.Ok(new IdeTokenResponse(url, grant.ExpiresAt));
    }

    private static async Task RedeemAsync(HttpContext http, ContainerGrains containers, TimeProvider timeProvider, IdeHostPattern hosts, long id, string? token)
    {
        // With a separate IDE origin the cookie belongs to the IDE's host: send the browser there, token unspent.
        if (hosts.IsEnabled)
        {
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Redirect(hosts.UrlFor(http.Request, id, IdeHostPattern.BootstrapPath + "?token=" + Uri.EscapeDataString(token ?? "")));
            return;
        }

        await RedeemAndSetCookieAsync(http, containers.Factory, containers.Kinds, timeProvider, id, token, IdeCookie.PathFor(id));
    }

    /// <summary>
    /// Redeems <paramref name="token"/> for container <paramref name="id"/>, sets the session cookie on
    /// <paramref name="cookiePath"/> of this host and redirects there; a 401 page otherwise. Shared by both IDE modes.
    /// </summary>
    public static async Task RedeemAndSetCookieAsync(HttpContext http, IGrainFactory grains, ContainerKinds kinds, TimeProvider timeProvider, long id, string? token, string cookiePath)
    {
        // The token sits in this URL: keep it out of any Referer the next page might send.
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        if (token is null || !IdeCookie.IsPlausible(token))
        {
            await HtmlPages.IdeLinkRefusedAsync(http, "The link has no valid token.");
            return;
        }

        if (await kinds.GetAsync(id) != ContainerKind.Dev)
        {
            await HtmlPages.IdeLinkRefusedAsync(http, "The link is not valid.");
            return;
        }

        var result = await grains.GetGrain<IDevContainerGrain>(id).RedeemIdeTokenAsync(token);
        if (result.Status != IdeAccessStatus.Accepted || result.SessionId is null || result.ExpiresAt is not { } expiresAt)
        {
            await HtmlPages.IdeLinkRefusedAsync(http, Describe(result.Status));
            return;
        }

        var lifetime = expiresAt - timeProvider.GetUtcNow();
        if (lifetime <= TimeSpan.Zero)
        {
            await HtmlPages.IdeLinkRefusedAsync(http, Describe(IdeAccessStatus.Expired));
            return;
        }

        IdeCookie.Append(http, cookiePath, result.SessionId, lifetime);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Redirect(cookiePath);
    }

    private static string Describe(IdeAccessStatus status) => status switch
    {
        IdeAccessStatus.Expired => "The link has expired.",
        IdeAccessStatus.AlreadyUsed => "The link was already used.",
        IdeAccessStatus.Revoked => "The IDE access was revoked.",
        _ => "The link is not valid.",
    };
}

/// <summary>Marks the redeem endpoint, whose refusals are pages for a browser tab rather than problem details.</summary>
internal sealed class RedeemEndpoint;
