using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// The one shared invoker for every IDE upstream: a pooled <see cref="SocketsHttpHandler"/> set up for proxying
/// (no proxy, redirects, decompression or cookies of its own; those belong to the browser and the IDE).
/// </summary>
internal sealed class IdeUpstreamClient : IDisposable
{
    public IdeUpstreamClient(IOptions<IdeTunnelOptions> options)
    {
        var settings = options.Value;
        Invoker = new HttpMessageInvoker(
            new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = settings.ConnectTimeout,
                PooledConnectionIdleTimeout = settings.PooledConnectionIdleTimeout,

                // No trace headers of our own: the IDE sees what the browser sent, minus the gateway's credentials.
                ActivityHeadersPropagator = null,
            },
            disposeHandler: true);
        RequestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = settings.ActivityTimeout,

            // code-server speaks HTTP/1.1 in cleartext; WebSockets are upgraded over it.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    public HttpMessageInvoker Invoker { get; }

    public ForwarderRequestConfig RequestConfig { get; }

    public void Dispose() => Invoker.Dispose();
}
