using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace ZlhGrind.Gateway.Errors;

/// <summary>
/// Says in plain words what was wrong with a request the framework could not bind. The framework's own messages name
/// .NET types (<c>ZlhGrind.Gateway.Api.ProvisionGameRequest</c>, <c>System.Nullable`1[System.Int32]</c>), so they are
/// read here to pick a category and never passed on.
/// </summary>
internal static class BadRequestDescription
{
    public const string NotJson = "The request body is not valid JSON.";
    public const string NotAnObject = "The request body must be a JSON object.";
    public const string BodyRequired = "A JSON body is required.";
    public const string UnsupportedMediaType = "Send the body as application/json.";
    public const string Unreadable = "The request could not be read.";

    /// <summary>The message for a request the framework refused; <paramref name="endpoint"/> says the body's type and size limit.</summary>
    public static string Describe(BadHttpRequestException exception, Endpoint? endpoint)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => TooLarge(endpoint),
            StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
            _ when exception.InnerException is JsonException json => Describe(json, endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType),
            _ when exception.Message.Contains("no body was provided", StringComparison.Ordinal)
                || exception.Message.Contains("was not provided from body", StringComparison.Ordinal) => BodyRequired,
            _ => Unreadable,
        };
    }

    public static string TooLarge(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize is { } limit
        ? $"The request body is larger than the {limit} bytes this route accepts."
        : "The request body is too large.";

    /// <summary>The message for a body that did not deserialize into <paramref name="bodyType"/> (when known).</summary>
    public static string Describe(JsonException exception, Type? bodyType)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        var field = FieldOf(exception.Path);
        if (message.Contains("missing required properties including:", StringComparison.Ordinal))
        {
            var names = message[(message.IndexOf("including:", StringComparison.Ordinal) + "including:".Length)..].Trim().TrimEnd('.');
            return "Missing required field(s): " + names + ".";
        }

        if (field is null)
        {
            // At the root: either the text is not JSON at all, or it is JSON of the wrong shape ("[]", "42").
            return message.Contains("could not be converted to", StringComparison.Ordinal) ? NotAnObject : NotJsonAt(exception);
        }

        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"Unknown field '{field}'.";
        }

        if (message.Contains("Duplicate property", StringComparison.Ordinal))
        {
            return $"Field '{field}' appears more than once.";
        }

        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            return $"Field '{field}' must be {Expected(MemberType(bodyType, field))}.";
        }

        return NotJsonAt(exception);
    }

    private static string NotJsonAt(JsonException exception) => exception.LineNumber is { } line && exception.BytePositionInLine is { } position
        ? $"The request body is not valid JSON (line {line + 1}, byte {position + 1})."
        : NotJson;

    /// <summary>The JSON path without its root ("$.spec.memoryMb" → "spec.memoryMb"); null at the root.</summary>
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? null : field;
    }

    /// <summary>The declared type at a dotted path of plain members (camelCase on the wire, PascalCase in C#); null when not found.</summary>
    private static Type? MemberType(Type? type, string field)
    {
        foreach (var name in field.Split('.'))
        {
            var property = type?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return null;
            }

            type = property.PropertyType;
        }

        return type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
    }

    private static string Expected(Type? type) => type switch
    {
        null => "of the documented type",
        { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number written without quotes",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(string) => "a string",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO 8601 date and time",
        _ when typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "a list",
        _ => "an object",
    };
}
