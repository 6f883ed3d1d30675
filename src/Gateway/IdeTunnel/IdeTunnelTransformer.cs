using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using ZlhGrind.Gateway.IdeBootstrap;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// The tunnel's header rules (DESIGN §6). The base transformer copies every request header, the browser's Host
/// included (code-server checks Origin against it), and adds nothing, so Origin reaches the IDE only when the
/// browser sent one. On top of that the gateway's own credentials never reach the container: the <c>zlh_ide</c>
/// cookie and any Authorization header are removed; other cookies are kept (code-server has its own).
/// </summary>
internal sealed class IdeTunnelTransformer : HttpTransformer
{
    public static readonly IdeTunnelTransformer Instance = new();

    private IdeTunnelTransformer()
    {
    }

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        var copied = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (!copied.IsCompletedSuccessfully)
        {
            return StripAfterAsync(copied, httpContext, proxyRequest);
        }

        StripGatewayCredentials(httpContext, proxyRequest);
        return default;
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copied = base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (!copied.IsCompletedSuccessfully)
        {
            return copied;
        }

        // A container must not be able to plant or overwrite the gateway's session cookie.
        var setCookie = httpContext.Response.Headers.SetCookie;
        if (setCookie.Count > 0)
        {
            httpContext.Response.Headers.SetCookie = WithoutIdeCookie(setCookie);
        }

        // The IDE thinks it is served at "/": a root-relative redirect must stay inside this container's tunnel,
        // which is the request's PathBase ("/__ide/{id}").
        var location = httpContext.Response.Headers.Location;
        if (location.Count == 1 && location[0] is { Length: > 0 } target && target[0] == '/' && !target.StartsWith("//", StringComparison.Ordinal))
        {
            httpContext.Response.Headers.Location = httpContext.Request.PathBase.Value + target;
        }

        return copied;
    }

    private static async ValueTask StripAfterAsync(ValueTask copied, HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        await copied;
        StripGatewayCredentials(httpContext, proxyRequest);
    }

    private static void StripGatewayCredentials(HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        proxyRequest.Headers.Remove(HeaderNames.Authorization);
        var cookies = httpContext.Request.Headers.Cookie;
        if (cookies.Count == 0)
        {
            return;
        }

        proxyRequest.Headers.Remove(HeaderNames.Cookie);
        var kept = CookieHeaderFilter.Without(cookies, IdeCookie.Name);
        if (kept is not null)
        {
            proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Cookie, kept);
        }
    }

    private static Microsoft.Extensions.Primitives.StringValues WithoutIdeCookie(Microsoft.Extensions.Primitives.StringValues setCookie)
    {
        var keep = 0;
        for (var i = 0; i < setCookie.Count; i++)
        {
            if (!IsIdeCookie(setCookie[i]))
            {
                keep++;
            }
        }

        if (keep == setCookie.Count)
        {
            return setCookie;
        }

        var kept = new string[keep];
        var next = 0;
        for (var i = 0; i < setCookie.Count; i++)
        {
            if (!IsIdeCookie(setCookie[i]))
            {
                kept[next++] = setCookie[i]!;
            }
        }

        return kept;
    }

    private static bool IsIdeCookie(string? setCookie)
    {
        var value = setCookie.AsSpan().TrimStart(' ');
        return value.StartsWith(IdeCookie.Name, StringComparison.Ordinal)
            && value[IdeCookie.Name.Length..].TrimStart(' ').StartsWith('=');
    }
}
