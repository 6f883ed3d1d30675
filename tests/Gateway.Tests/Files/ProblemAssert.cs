using System.Net;
using System.Text.Json;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>Asserts a problem+json answer: its exact status, stable <c>code</c> (null: none) and detail.</summary>
internal static class ProblemAssert
{
    public static async Task<JsonElement> ExactAsync(HttpResponseMessage response, HttpStatusCode status, string? code, string detail)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(code, problem.TryGetProperty("code", out var value) ? value.GetString() : null);
        return problem;
    }
}
