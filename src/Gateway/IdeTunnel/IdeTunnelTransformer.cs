using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using ZlhGrind.Gateway.IdeBootstrap;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// The tunnel's header rules (DESIGN §6). The base transformer copies every request header, the browser's Host
/// included (code-server checks Origin against it), and adds nothing, so Origin reaches the IDE only when the
/// browser sent one. On top of that the gateway's own credentials never reach the container: every cookie named
/// <c>zlh_ide</c> in any case and any Authorization header are removed; other cookies are kept (code-server has its own).
/// Responses are held inside the tunnel (its PathBase, <c>/__ide/{id}</c> in path mode, empty on an IDE host): no
/// <c>Service-Worker-Allowed</c>, cookies only below the tunnel and never the gateway's names, redirects only into it.
/// </summary>
internal sealed class IdeTunnelTransformer : HttpTransformer
{
    /// <summary>Set in <see cref="HttpContext.Items"/> when an upstream redirect leading out of the tunnel was refused.</summary>
    public const string RefusedRedirectKey = "zlh.ide.refused-redirect";

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

        var headers = httpContext.Response.Headers;
        var tunnel = httpContext.Request.PathBase.Value ?? "";

        // A service worker may never claim more than the tunnel's own path: on the portal's origin it would own "/".
        if (tunnel.Length > 0)
        {
            headers.Remove("Service-Worker-Allowed");
        }

        if (headers.SetCookie.Count > 0)
        {
            headers.SetCookie = HeldCookies(headers.SetCookie, tunnel);
        }

        var location = headers.Location;
        if (location.Count > 0)
        {
            var held = location.Count == 1 ? HeldLocation(location[0] ?? "", tunnel, httpContext.Request.Host, (httpContext.Request.PathBase + httpContext.Request.Path).ToUriComponent()) : null;
            if (held is null)
            {
                // Leading out of the tunnel (another site, the portal, /api): not followed, the handler says why.
                headers.Clear();
                httpContext.Response.StatusCode = StatusCodes.Status502BadGateway;
                httpContext.Items[RefusedRedirectKey] = true;
                return new ValueTask<bool>(false);
            }

            headers.Location = held;
        }

        return copied;
    }

    /// <summary>
    /// The Location the browser gets, or null when it would leave the tunnel (<paramref name="tunnel"/>, empty on an IDE
    /// host); a relative <paramref name="target"/> resolves against <paramref name="document"/>, the request's path, and an
    /// absolute one must name <paramref name="host"/>.
    /// </summary>
    internal static string? HeldLocation(string target, string tunnel, HostString host, string document)
    {
        // Browsers drop tabs and line breaks and read "\" as "/", so "/\t/x" or "/\\x" would be another host to them:
        // a target holding any of these is refused rather than second-guessed.
        if (target.Length == 0 || target.AsSpan().IndexOfAnyInRange('\0', ' ') >= 0 || target.Contains('\\', StringComparison.Ordinal))
        {
            return null;
        }

        if (target[0] == '/')
        {
            // "//x" is another host; "/x" is the IDE's own root, which is the tunnel's.
            return target.Length > 1 && target[1] == '/' ? null : tunnel + target;
        }

        if (HasScheme(target))
        {
            // "http:evil.example" is absolute to a browser even where Uri cannot parse it: only a same-host URL inside the tunnel passes.
            var sameHost = Uri.TryCreate(target, UriKind.Absolute, out var absolute)
                && (absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps)
                && string.Equals(absolute.Authority, host.Value, StringComparison.OrdinalIgnoreCase);
            return sameHost && (tunnel.Length == 0 || absolute!.AbsolutePath.StartsWith(tunnel + "/", StringComparison.Ordinal)) ? target : null;
        }

        // Relative to the current document: "../../api" would climb out of the tunnel, so resolve it and look.
        var resolved = new Uri(new Uri("http://ide" + document), target).AbsolutePath;
        return tunnel.Length == 0 || resolved.StartsWith(tunnel + "/", StringComparison.Ordinal) ? target : null;
    }

    /// <summary>True when <paramref name="target"/> names a scheme: a colon before any '/', '?' or '#'.</summary>
    private static bool HasScheme(string target)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        var delimiter = target.AsSpan().IndexOfAny('/', '?', '#');
        return colon >= 0 && (delimiter < 0 || colon < delimiter);
    }

    /// <summary>The upstream's cookies without the gateway's names or a Domain, with their Path moved below the tunnel.</summary>
    internal static StringValues HeldCookies(StringValues setCookie, string tunnel)
    {
        var kept = new List<string>(setCookie.Count);
        foreach (var cookie in setCookie)
        {
            if (Held(cookie ?? "", tunnel) is { } held)
            {
                kept.Add(held);
            }
        }

        return kept.Count == 0 ? StringValues.Empty : new StringValues([.. kept]);
    }

    private static string? Held(string cookie, string tunnel)
    {
        var parts = cookie.Split(';');
        var equals = parts[0].IndexOf('=', StringComparison.Ordinal);
        var name = (equals < 0 ? parts[0] : parts[0][..equals]).Trim();
        if (name.Length == 0 || IdeCookie.IsGatewayName(name))
        {
            return null;
        }

        for (var i = 1; i < parts.Length; i++)
        {
            var attribute = parts[i].Trim();
            var attributeEquals = attribute.IndexOf('=', StringComparison.Ordinal);
            var attributeName = attributeEquals < 0 ? attribute : attribute[..attributeEquals].Trim();
            if (attributeName.Equals("Domain", StringComparison.OrdinalIgnoreCase))
            {
                // A Domain cookie would reach the portal's host or its siblings.
                return null;
            }

            if (attributeName.Equals("Path", StringComparison.OrdinalIgnoreCase) && tunnel.Length > 0)
            {
                var path = attributeEquals < 0 ? "" : attribute[(attributeEquals + 1)..].Trim();
                if (!path.StartsWith('/') || path.Contains("..", StringComparison.Ordinal))
                {
                    return null;
                }

                parts[i] = " Path=" + tunnel + path;
            }
        }

        return string.Join(';', parts);
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
        var kept = CookieHeaderFilter.WithoutGatewayCookies(cookies);
        if (kept is not null)
        {
            proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Cookie, kept);
        }
    }
}
