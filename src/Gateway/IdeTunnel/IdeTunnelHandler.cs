using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Hosting;
using ZlhGrind.Gateway.IdeBootstrap;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// <c>/__ide/{id}/{**rest}</c>: checks the session cookie (cached), then forwards HTTP and WebSocket traffic to the
/// container's IDE with the prefix stripped. This runs for every keystroke of every open IDE, so it is a branch of
/// its own at the front of the pipeline (no routing, authentication, request log or error pages: it writes its own
/// pages and logs its own failures), a cached session costs no grain call, and little is allocated beyond what the
/// forwarder needs.
/// </summary>
internal sealed partial class IdeTunnelHandler(
    ClusterReadiness readiness,
    ContainerKinds kinds,
    IdeSessionCache sessions,
    IdeLookupLimiter limiter,
    IdeHostPattern hosts,
    IGrainFactory grains,
    IHttpForwarder forwarder,
    IdeUpstreamClient upstream,
    TimeProvider timeProvider,
    GatewayMetrics metrics,
    IdeActivityReporter activity,
    IOptions<IdeActivityOptions> activityOptions,
    IOptions<IdeTunnelOptions> options,
    ILogger<IdeTunnelHandler> logger)
{
    /// <summary>Where the tunnel is mounted; what follows is <c>/{id}/{**rest}</c>.</summary>
    public const string Root = "/__ide";

    private readonly TimeSpan _sessionCheckInterval = options.Value.SessionCacheTtl;
    private readonly long _maxRequestBodyBytes = options.Value.MaxRequestBodyBytes;
    private readonly int _keepaliveMaxFrameBytes = activityOptions.Value.KeepaliveMaxFrameBytes;

    /// <summary>Serves one request of the branch mounted at <see cref="Root"/> (its Path is <c>/{id}/…</c>).</summary>
    public async Task ProxyAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var slash = path.Length > 1 ? path.IndexOf('/', 1) : -1;
        var idText = slash < 0 ? path.AsSpan(Math.Min(1, path.Length)) : path.AsSpan(1, slash - 1);
        if (!ContainerId.TryParse(idText, out var id))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // "/__ide/{id}" without the slash: the cookie's path would not match, so send the browser to the slash form.
        if (slash < 0)
        {
            http.Response.Redirect(IdeCookie.PathFor(id));
            return;
        }

        // The IDE is served at its root: what follows "/__ide/{id}" becomes the upstream path, and "/{id}" joins
        // "/__ide" in PathBase, which the forwarder leaves out (and the response rules keep things inside).
        http.Request.PathBase = http.Request.PathBase.Add(new PathString(path[..slash]));
        http.Request.Path = new PathString(path[slash..]);
        await ServeAsync(http, id);
    }

    /// <summary>
    /// Serves one request to a container's own IDE host (<see cref="IdeTunnelOptions.Host"/>): the bootstrap, which
    /// sets the session cookie on this host only, or the IDE itself with the path unchanged.
    /// </summary>
    public async Task ProxyHostAsync(HttpContext http)
    {
        if (!hosts.TryMatch(http.Request.Host, out var id))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (http.Request.Path.Equals(IdeHostPattern.BootstrapPath, StringComparison.Ordinal))
        {
            if (!readiness.IsConnected || !limiter.TryAcquire(http, out _))
            {
                await HtmlPages.WriteAsync(http, StatusCodes.Status429TooManyRequests, "Too many IDE links opened", "Too many IDE links were opened from this address, or the gateway is still starting; wait a moment and open the IDE again from the portal.");
                return;
            }

            await IdeBootstrapEndpoints.RedeemAndSetCookieAsync(http, grains, kinds, timeProvider, id, http.Request.Query["token"].ToString(), "/");
            return;
        }

        await ServeAsync(http, id);
    }

    private async Task ServeAsync(HttpContext http, long id)
    {
        // Until the Orleans client has connected it cannot even name a grain (and nothing is cached yet).
        if (!readiness.IsConnected)
        {
            await HtmlPages.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "The IDE is unavailable", "The gateway is still connecting to the control plane; try again shortly.");
            return;
        }

        // Uploads into the IDE may be larger than the API allows.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = _maxRequestBodyBytes;
        }

        var sessionId = CookieHeaderFilter.SessionFrom(http.Request.Headers.Cookie);
        if (sessionId is null || !IdeCookie.IsPlausible(sessionId))
        {
            await RefuseAsync(http);
            return;
        }

        var session = await SessionAsync(http, id, sessionId);
        if (session is null)
        {
            return;
        }

        if (session.Status != IdeAccessStatus.Accepted || session.ExpiresAt <= timeProvider.GetUtcNow())
        {
            await RefuseAsync(http);
            return;
        }

        if (session.Destination is null)
        {
            await HtmlPages.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "The IDE is unavailable", session.UnavailableReason ?? "The IDE is not available.");
            return;
        }

        // Idle culling: a request of a valid session is use of the IDE; on a WebSocket only the frames the browser
        // sends are (counted as the forwarder reads them), never the socket being open or what the IDE sends.
        var upgrade = IsUpgrade(http);
        if (upgrade)
        {
            IdeActivityTap.Attach(http, id, activity, _keepaliveMaxFrameBytes);
        }
        else
        {
            activity.Saw(id);
        }

        using var watch = upgrade
            ? new SessionWatch(http, sessions, timeProvider, _sessionCheckInterval, logger, id, sessionId)
            : null;
        var error = await forwarder.SendAsync(http, session.Destination, upstream.Invoker, upstream.RequestConfig, IdeTunnelTransformer.Instance);
        if (error == ForwarderError.None)
        {
            if (http.Items.ContainsKey(IdeTunnelTransformer.RefusedRedirectKey))
            {
                await HtmlPages.WriteAsync(http, StatusCodes.Status502BadGateway, "The IDE sent a redirect the gateway does not follow", "The IDE tried to send this tab outside of it (another site or the portal).");
            }

            return;
        }

        if (IsClientGone(http, error))
        {
            // A browser navigating away, closing a tab or dropping a socket (and a revocation ending one) is ordinary:
            // nothing the upstream failed at, so no warning and no forward error.
            LogClientWentAway(logger, id, error);
            return;
        }

        LogForwardFailed(logger, id, error);
        metrics.TunnelErrors.Add(1);
        if (!http.Response.HasStarted)
        {
            await HtmlPages.WriteAsync(http, StatusCodes.Status502BadGateway, "The IDE is not running", "The container is up but its IDE did not answer. Start code-server from the portal and try again.");
        }
    }

    /// <summary>
    /// The session's answer, from the cache when it may be trusted; otherwise one grain call, paid for from the
    /// client address's lookup budget. Null when a page was written instead (503 or 429).
    /// </summary>
    private async ValueTask<IdeSessionView?> SessionAsync(HttpContext http, long id, string sessionId)
    {
        switch (sessions.Probe(id, sessionId, out var cached))
        {
            case IdeSessionCache.CacheProbe.Hit:
                try
                {
                    return await cached;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    return await UnavailableAsync(http, id, exception);
                }

            case IdeSessionCache.CacheProbe.KnownBad:
                return IdeSessionView.Refused;
        }

        if (!limiter.TryAcquire(http, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await HtmlPages.WriteAsync(http, StatusCodes.Status429TooManyRequests, "Too many requests", "Too many unknown IDE sessions from this address; wait a moment and open the IDE again from the portal.");
            return null;
        }

        try
        {
            // The kind is cached for good; an id that is no dev container is remembered for the negative TTL.
            if (await kinds.GetAsync(id) != ContainerKind.Dev)
            {
                sessions.RememberNoDevContainer(id);
                return IdeSessionView.Refused;
            }

            return await sessions.LookupAsync(id, sessionId);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return await UnavailableAsync(http, id, exception);
        }
    }

    private async Task<IdeSessionView?> UnavailableAsync(HttpContext http, long id, Exception exception)
    {
        // An outage is logged once per state change by the cluster's outage monitor, not once per tunnel request.
        var errorType = exception.GetType().Name;
        if (ClusterOutageMonitor.IsOutage(exception))
        {
            LogLookupFailedInOutage(logger, id, errorType);
        }
        else
        {
            LogLookupFailed(logger, id, errorType);
        }

        await HtmlPages.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "The IDE is unavailable", "The control plane could not be reached; try again shortly.");
        return null;
    }

    // WebSocket over HTTP/1.1 (Upgrade) or HTTP/2 (extended CONNECT); HttpContext.WebSockets only knows these when
    // UseWebSockets runs, which a proxy does not need.
    private static bool IsUpgrade(HttpContext http) =>
        http.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
        || http.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;

    /// <summary>
    /// Whether the forward ended because the client went away rather than because the upstream failed: cancellations
    /// of the request or upgrade, failures on the client's side of a body or upgrade copy, and a body copy canceled
    /// because the client's connection was aborted.
    /// </summary>
    private static bool IsClientGone(HttpContext http, ForwarderError error) => error switch
    {
        ForwarderError.RequestCanceled or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled => true,
        ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient => true,
        ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled => http.RequestAborted.IsCancellationRequested,
        _ => false,
    };

    /// <summary>
    /// The answer to a request without a valid session, typically the IDE reconnecting after revocation or expiry. A
    /// navigation gets a page saying so; the IDE's WebSocket reconnects and fetches get the same words as plain text
    /// (a browser does not show those bodies: code-server's reconnect dialog fails and its reload lands on the page).
    /// </summary>
    private static Task RefuseAsync(HttpContext http)
    {
        if (!IsUpgrade(http) && WantsHtml(http.Request))
        {
            return HtmlPages.WriteAsync(http, StatusCodes.Status401Unauthorized, SessionEndedTitle, SessionEndedPage);
        }

        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(SessionEndedText);
    }

    private const string SessionEndedTitle = "IDE session ended";
    private const string SessionEndedPage = "Your IDE session ended: it expired, was revoked, or was never opened in this browser. Reopen it from the portal.";
    private const string SessionEndedText = "IDE session ended \u2014 reopen it from the portal.\n";

    private static bool WantsHtml(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
        {
            if (accept is not null && accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IDE tunnel to container {ContainerId} failed: {ForwarderError}")]
    private static partial void LogForwardFailed(ILogger logger, long containerId, ForwarderError forwarderError);

    [LoggerMessage(Level = LogLevel.Debug, Message = "IDE tunnel to container {ContainerId} ended by the client: {ForwarderError}")]
    private static partial void LogClientWentAway(ILogger logger, long containerId, ForwarderError forwarderError);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IDE session lookup for container {ContainerId} failed: {ErrorType}")]
    private static partial void LogLookupFailed(ILogger logger, long containerId, string errorType);

    [LoggerMessage(Level = LogLevel.Debug, Message = "IDE session lookup for container {ContainerId} failed while the cluster is out of reach: {ErrorType}")]
    private static partial void LogLookupFailedInOutage(ILogger logger, long containerId, string errorType);
}
