using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Errors;

/// <summary>
/// Maps the grains' typed exceptions and bad requests to RFC 7807 problem details with a human message: never a type
/// name, an exception message of the framework or anything the request carried.
/// </summary>
internal sealed class GatewayExceptionHandler(
    IProblemDetailsService problems,
    IOptions<ClusterCallOptions> callOptions,
    ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer and nothing failed on our side.
            return true;
        }

        // The middleware clears the endpoint before handlers run; its feature keeps the one that threw.
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint();
        var (status, title, detail) = Classify(exception, endpoint);
        if (exception is CallerRejectedException)
        {
            // The silo refused the gateway itself: a wrong or missing service key, never the user's fault.
            logger.LogError(exception, "The cluster rejected a gateway call on {RequestPath}: check Cluster:ServiceKey", httpContext.Request.Path.Value);
        }
        else if (status >= StatusCodes.Status500InternalServerError && status != StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogError(exception, "Unhandled error on {RequestMethod} {RequestPath}", httpContext.Request.Method, httpContext.Request.Path.Value);
        }

        // A 503 is not logged per request: ClusterOutageMonitor writes one line per outage and a periodic count.
        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = callOptions.Value.RetryAfterHeader;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    internal static (int Status, string Title, string? Detail) Classify(Exception exception, Endpoint? endpoint = null) => exception switch
    {
        ContainerNotFoundException => (StatusCodes.Status404NotFound, "Not found", "No such container."),
        InvalidRequestException e => (StatusCodes.Status400BadRequest, "Invalid request", e.Message),
        ContainerConflictException e => (StatusCodes.Status409Conflict, "Conflict", e.Message),
        InvalidTransitionException e => (StatusCodes.Status409Conflict, "Conflict", e.Message),
        BadHttpRequestException e => (e.StatusCode, TitleOf(e.StatusCode), BadRequestDescription.Describe(e, endpoint)),
        CallerRejectedException => (StatusCodes.Status500InternalServerError, "Gateway misconfigured", "The cluster refused this gateway."),
        _ when ClusterOutageMonitor.IsOutage(exception)
            => (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", "The control plane is not reachable; try again shortly."),
        _ => (StatusCodes.Status500InternalServerError, "Internal error", "Something went wrong on our side; the error was logged."),
    };

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => "Bad request",
    };
}
