using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZlhGrind.Tools.Seed;

/// <summary>The gateway's HTTP API as a portal user or an operator calls it; every failure names the call.</summary>
internal sealed class GatewayApi(Uri gateway) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new() { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A token from <c>POST /api/dev-token</c>, which the local stack turns on.</summary>
    public async Task<string> MintTokenAsync(string userId, bool isOperator)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/dev-token", token: null, new { userId, @operator = isOperator });
        return status == HttpStatusCode.OK && body?["token"]?.GetValue<string>() is { Length: > 0 } token
            ? token
            : throw new SeedException($"the gateway did not mint a local token for '{userId}' (HTTP {(int)status})");
    }

    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        try
        {
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, Parse(text));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new SeedException($"{method} {path}: the gateway at {gateway} did not answer ({ex.Message})");
        }
    }

    /// <summary>The answer as JSON, or as a JSON string when it is not JSON (an error page), so it can be shown.</summary>
    private static JsonNode? Parse(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    public void Dispose() => _http.Dispose();
}
