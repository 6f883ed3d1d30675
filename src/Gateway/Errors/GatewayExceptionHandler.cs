using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Errors;

/// <summary>Maps the grains' typed exceptions and bad requests to RFC 7807 problem details.</summary>
internal sealed class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = Classify(exception);
        if (status >= StatusCodes.Status500InternalServerError)
        {
            if (exception is CallerRejectedException)
            {
                // The silo refused the gateway itself: a wrong or missing service key, never the user's fault.
                logger.LogError(exception, "The cluster rejected a gateway call on {RequestPath}: check Cluster:ServiceKey", httpContext.Request.Path.Value);
            }
            else if (status != StatusCodes.Status503ServiceUnavailable)
            {
                logger.LogError(exception, "Unhandled error on {RequestMethod} {RequestPath}", httpContext.Request.Method, httpContext.Request.Path.Value);
            }
            else
            {
                logger.LogWarning("Cluster unavailable on {RequestPath}: {Reason}", httpContext.Request.Path.Value, exception.Message);
            }
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    internal static (int Status, string Title, string? Detail) Classify(Exception exception) => exception switch
    {
        ContainerNotFoundException => (StatusCodes.Status404NotFound, "Not found", "No such container."),
        InvalidRequestException e => (StatusCodes.Status400BadRequest, "Invalid request", e.Message),
        ContainerConflictException e => (StatusCodes.Status409Conflict, "Conflict", e.Message),
        InvalidTransitionException e => (StatusCodes.Status409Conflict, "Conflict", e.Message),
        BadHttpRequestException e => (e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request", DescribeBadRequest(e)),
        CallerRejectedException => (StatusCodes.Status500InternalServerError, "Gateway misconfigured", "The cluster refused this gateway."),
        // Orleans' own failures (no gateway, rejected or timed-out messages) mean the cluster is out of reach, not a bad request.
        OrleansException or TimeoutException
            => (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", "The control plane is not reachable; try again shortly."),
        _ => (StatusCodes.Status500InternalServerError, "Internal error", null),
    };

    private static string DescribeBadRequest(BadHttpRequestException exception)
    {
        // Minimal APIs wrap JSON errors; the inner message says which field and what is wrong.
        var inner = exception.InnerException?.Message;
        return inner is null ? exception.Message : exception.Message + " " + inner;
    }
}
