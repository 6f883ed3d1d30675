using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>The gateway's wire format: camelCase members, enums by their declared names.</summary>
public static class Json
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
