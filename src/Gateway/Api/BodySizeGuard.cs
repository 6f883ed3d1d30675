using Microsoft.AspNetCore.Http.Metadata;
using ZlhGrind.Gateway.Errors;

namespace ZlhGrind.Gateway.Api;

/// <summary>
/// Refuses a body whose declared length exceeds the route's limit before anything reads it, and closes the connection
/// after every 413: a route that never reads its body would otherwise leave Kestrel to drain it, give up at the limit
/// and drop a keep-alive connection the client is about to reuse for its next request.
/// </summary>
internal static class BodySizeGuard
{
    public static WebApplication UseBodySizeGuard(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
            if (limit is null || http.Request.ContentLength is not { } length || length <= limit)
            {
                return next(http);
            }

            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = "Request body too large", Detail = BadRequestDescription.TooLarge(http.GetEndpoint()) },
            }).AsTask();
        });
        return app;
    }
}
