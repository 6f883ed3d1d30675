using System.Diagnostics;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.Errors;

/// <summary>
/// Writes every problem as <c>application/problem+json</c>, whatever the request's <c>Accept</c> says. The default
/// writer declines when Accept excludes JSON (<c>text/event-stream</c>, <c>text/html</c>), and a declined problem
/// used to escape as a 500 (with the developer page echoing request headers, bearer token included); a client that
/// cannot parse JSON still gets the right status code and a readable body.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<HttpJsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public const string ContentType = "application/problem+json";

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Type ??= "about:blank";
        problem.Detail ??= DefaultDetail(http, problem.Status.Value);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        if (problem.Status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of that body is never read: the connection cannot carry another request.
            http.Response.Headers.Connection = "close";
        }

        // The exception stays server-side: nothing of it (type, message, stack) is ever serialized.
        var typeInfo = json.Value.SerializerOptions.GetTypeInfo(problem.GetType());
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, typeInfo, ContentType, http.RequestAborted));
    }

    /// <summary>
    /// A sentence for the problems the framework raises without one: these are answered by status code alone (the
    /// bearer challenge, an unmatched route, a body refused before any handler ran).
    /// </summary>
    internal static string? DefaultDetail(HttpContext http, int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequestDescription.Unreadable,
        StatusCodes.Status401Unauthorized => "A valid bearer token is required.",
        StatusCodes.Status403Forbidden => "This needs a role the token does not carry.",
        StatusCodes.Status404NotFound => "Nothing here: no such route or container.",
        StatusCodes.Status405MethodNotAllowed => "This route does not take that method.",
        StatusCodes.Status413PayloadTooLarge => BadRequestDescription.TooLarge(http.GetEndpoint()),
        StatusCodes.Status415UnsupportedMediaType => BadRequestDescription.UnsupportedMediaType,
        _ => null,
    };
}
