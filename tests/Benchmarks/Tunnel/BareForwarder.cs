using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>
/// The ceiling of any YARP gateway: <c>/__ide/{id}/…</c> forwarded to one fixed upstream with the prefix stripped —
/// no authentication, no lookup, the default transformer — over an invoker set up like the gateway's.
/// </summary>
internal static class BareForwarder
{
    public const string ReadyLine = "zlh-bench-forwarder: ready";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var port = builder.Configuration.GetValue<int>("Bench:Port");
        var upstream = builder.Configuration["Bench:Upstream"] ?? throw new InvalidOperationException("Bench:Upstream is not set");
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddHttpForwarder();
        await using var app = builder.Build();

        using var invoker = new HttpMessageInvoker(
            new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                EnableMultipleHttp2Connections = true,
                ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            },
            disposeHandler: true);
        var config = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        app.Map("/__ide/{id}/{**rest}", async http =>
        {
            var path = http.Request.Path.Value!;
            var slash = path.IndexOf('/', "/__ide/".Length);
            http.Request.Path = new PathString(path[slash..]);
            var error = await forwarder.SendAsync(http, upstream, invoker, config, HttpTransformer.Default);
            if (error != ForwarderError.None && !http.Response.HasStarted)
            {
                http.Response.StatusCode = StatusCodes.Status502BadGateway;
            }
        });
        await app.StartAsync();
        Console.WriteLine(ReadyLine);
        await app.WaitForShutdownAsync();
        return 0;
    }
}
