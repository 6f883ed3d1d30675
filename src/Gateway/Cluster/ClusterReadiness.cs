namespace ZlhGrind.Gateway.Cluster;

/// <summary>
/// Whether the Orleans client has finished connecting. Kestrel starts alongside the client (so /healthz answers
/// during a cluster outage at start), and until the client is connected it does not even know the grain types, so
/// API and tunnel requests are answered 503 instead of failing inside Orleans.
/// </summary>
internal sealed partial class ClusterReadiness
{
    private volatile bool _connected;

    public bool IsConnected => _connected;

    public void MarkConnected() => _connected = true;

    public static WebApplication UseClusterReadinessGate(WebApplication app)
    {
        var readiness = app.Services.GetRequiredService<ClusterReadiness>();

        // Every hosted service has started once this fires, the Orleans client's connect included.
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ClusterReadiness>();
        var mode = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterConnectionOptions>>().Value.Mode.ToString();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            readiness.MarkConnected();
            LogReady(logger, mode);
        });
        app.Use((http, next) =>
        {
            if (readiness.IsConnected || !NeedsCluster(http.Request.Path))
            {
                return next(http);
            }

            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterCallOptions>>().Value.RetryAfterHeader;
            return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "Cluster unavailable", Detail = "The gateway is still connecting to the control plane; try again shortly." },
            }).AsTask();
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway ready: connected to the cluster ({ClusterMode} mode)")]
    private static partial void LogReady(ILogger logger, string clusterMode);

    // Minting a development token needs only the signing key. The IDE tunnel, a branch ahead of this gate, checks
    // readiness itself.
    private static bool NeedsCluster(PathString path) =>
        path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/dev-token");
}
