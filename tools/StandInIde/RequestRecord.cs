using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZlhGrind.Tools.StandInIde;

/// <summary>One request as the stand-in saw it: method, path, query and every header with its values.</summary>
public sealed record RequestRecord(
    string Method,
    string Path,
    string Query,
    bool WebSocket,
    IReadOnlyDictionary<string, string[]> Headers)
{
    internal static RequestRecord From(HttpRequest request, bool webSocket) => new(
        request.Method,
        request.Path.Value ?? "/",
        request.QueryString.Value ?? string.Empty,
        webSocket,
        request.Headers.ToDictionary(
            header => header.Key,
            header => header.Value.Select(value => value ?? string.Empty).ToArray(),
            StringComparer.OrdinalIgnoreCase));
}

/// <summary>What /healthz answers, shaped like code-server's.</summary>
public sealed record HealthReply(string Status);

/// <summary>The folder the stand-in was asked to open (code-server's positional path), or null when none was given.</summary>
public sealed record FolderReply(string? Folder);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RequestRecord))]
[JsonSerializable(typeof(IReadOnlyList<RequestRecord>))]
[JsonSerializable(typeof(HealthReply))]
[JsonSerializable(typeof(FolderReply))]
internal sealed partial class StandInJson : JsonSerializerContext;
