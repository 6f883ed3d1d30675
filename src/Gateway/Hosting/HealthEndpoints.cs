using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Hosting;

/// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: a real grain call with our service key succeeds.</summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ReadyAsync(IGrainFactory grains, ClusterReadiness readiness, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!readiness.IsConnected)
        {
            return TypedResults.Text("not ready: connecting to the cluster", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            // Any answer proves the client is connected and the silos accept our service key.
            await grains.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key)
                .GetKindAsync(ContainerId.Min)
                .AsTask()
                .WaitAsync(ReadinessTimeout, cancellationToken);
            return TypedResults.Text("ready");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An outage is not logged here: a load balancer probes every few seconds, and ClusterOutageMonitor
            // reports the outage once. Anything else (a refused service key) is worth a line.
            if (!ClusterOutageMonitor.IsOutage(exception))
            {
                loggers.CreateLogger(typeof(HealthEndpoints)).LogWarning("Not ready: {Reason}", exception.Message);
            }

            return TypedResults.Text("not ready: cluster unavailable", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
