using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>The gateway's wire format: camelCase with enums as camelCase strings.</summary>
public static class Json
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
