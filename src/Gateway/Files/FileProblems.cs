using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// Turns the agent's refusals into problem details: the stable code (in <c>code</c>) picks the status, the message
/// (bounded and checked by the grain) names the path. An agent that is not connected is a 503 with Retry-After.
/// </summary>
internal static class FileProblems
{
    public static RouteGroupBuilder WithFileProblems(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (FileRefusedException ex)
            {
                var (status, title) = Classify(ex.Code);
                return TypedResults.Problem(detail: ex.Message, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = ex.Code });
            }
            catch (FilesUnavailableException ex)
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = http.RequestServices.GetRequiredService<IOptions<ClusterCallOptions>>().Value.RetryAfterHeader;
                return TypedResults.Problem(detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Files unavailable");
            }
        });
        return group;
    }

    /// <summary>The status and title of a refusal's code.</summary>
    public static (int Status, string Title) Classify(string code) => code switch
    {
        "not_found" => (StatusCodes.Status404NotFound, "Not found"),
        "exists" => (StatusCodes.Status409Conflict, "Already exists"),
        "not_a_directory" or "is_a_directory" => (StatusCodes.Status409Conflict, "Wrong kind of entry"),
        "outside_root" or "unsafe_path" => (StatusCodes.Status403Forbidden, "Path refused"),
        "denied_by_template" => (StatusCodes.Status403Forbidden, "Denied by the template"),
        "permission_denied" => (StatusCodes.Status403Forbidden, "Permission denied"),
        "invalid_path" or "invalid_argument" => (StatusCodes.Status400BadRequest, "Invalid request"),
        "invalid_archive" => (StatusCodes.Status400BadRequest, "Invalid archive"),
        "digest_mismatch" => (StatusCodes.Status400BadRequest, "Digest mismatch"),
        "too_large" => (StatusCodes.Status413PayloadTooLarge, "Too large"),
        "quota_exceeded" => (StatusCodes.Status507InsufficientStorage, "Quota exceeded"),
        "download_failed" => (StatusCodes.Status502BadGateway, "Download failed"),
        _ => (StatusCodes.Status502BadGateway, "File operation failed"),
    };
}
