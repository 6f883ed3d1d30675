using System.Text.Json;
using ZlhGrind.Gateway.Errors;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Api;

/// <summary>
/// A PATCH body read once, so that a member given as an explicit JSON <c>null</c> (clear it) is told apart from a member
/// left out (keep it): the contract it binds to has one null for both.
/// </summary>
internal sealed class PatchBody<T>
    where T : class
{
    private readonly JsonElement _body;

    private PatchBody(JsonElement body, T value)
    {
        _body = body;
        Value = value;
    }

    /// <summary>The body as its contract.</summary>
    public T Value { get; }

    /// <summary>Binds <paramref name="body"/> with the API's JSON rules; a body that does not bind is a 400 that says why.</summary>
    public static PatchBody<T> Read(JsonElement body, JsonSerializerOptions options)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException(BadRequestDescription.NotAnObject);
        }

        try
        {
            return new PatchBody<T>(body, body.Deserialize<T>(options) ?? throw new InvalidRequestException(BadRequestDescription.NotAnObject));
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException(BadRequestDescription.Describe(ex, typeof(T)));
        }
    }

    /// <summary>True when the body gives <paramref name="name"/> as JSON null (names compare as the binding does: case-insensitively).</summary>
    public bool Clears(string name)
    {
        foreach (var member in _body.EnumerateObject())
        {
            if (string.Equals(member.Name, name, StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.Null)
            {
                return true;
            }
        }

        return false;
    }
}
