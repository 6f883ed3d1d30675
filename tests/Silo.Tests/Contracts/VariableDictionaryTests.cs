using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Tests.Contracts;

/// <summary>A status's variables compare by value, and travel through Orleans and JSON as the dictionary they replace did.</summary>
public sealed class VariableDictionaryTests : IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Equals_SameVariablesInAnotherOrder_EqualWithTheSameHash()
    {
        var first = VariableDictionary.From(new Dictionary<string, string> { ["port"] = "25565", ["jarFile"] = "paper.jar" });
        var second = VariableDictionary.From(new Dictionary<string, string> { ["jarFile"] = "paper.jar", ["port"] = "25565" });

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(Status(first), Status(second));
    }

    [Theory]
    [InlineData("port", "25566")]
    [InlineData("Port", "25565")]
    [InlineData("motd", "hi")]
    public void Equals_ANameOrValueDiffers_NotEqual(string name, string value)
    {
        var first = VariableDictionary.From(new Dictionary<string, string> { ["port"] = "25565" });
        var second = VariableDictionary.From(new Dictionary<string, string> { [name] = value });

        Assert.NotEqual(first, second);
        Assert.NotEqual(Status(first), Status(second));
        Assert.NotEqual(first, VariableDictionary.From(new Dictionary<string, string> { ["port"] = "25565", [name] = value }));
    }

    [Fact]
    public void Serialize_Json_TheObjectTheDictionaryWroteInItsOrder()
    {
        var dictionary = new Dictionary<string, string> { ["port"] = "25565", ["jarFile"] = "paper.jar", ["motd"] = "\"quoted\" <b>" };

        var json = JsonSerializer.Serialize(VariableDictionary.From(dictionary), Web);

        Assert.Equal(JsonSerializer.Serialize(dictionary, Web), json);
        Assert.Equal("{\"port\":\"25565\",\"jarFile\":\"paper.jar\",\"motd\":\"\\u0022quoted\\u0022 \\u003Cb\\u003E\"}", json);
        Assert.Equal(
            JsonSerializer.Serialize(Status(VariableDictionary.From(dictionary)), Web),
            JsonSerializer.Serialize(Status(null), Web).Replace("\"variables\":null", "\"variables\":" + json, StringComparison.Ordinal));
    }

    [Fact]
    public void Deserialize_Json_EqualToWhatWasWritten()
    {
        var variables = VariableDictionary.From(new Dictionary<string, string> { ["port"] = "25565", ["jarFile"] = "paper.jar" });

        var read = JsonSerializer.Deserialize<VariableDictionary>(JsonSerializer.Serialize(variables, Web), Web);

        Assert.Equal(variables, read);
        Assert.Equal(["port", "jarFile"], read!.Keys);
    }

    [Theory]
    [InlineData("""{"port":"1","port":"2"}""", "Variable 'port' is given twice.")]
    [InlineData("""{"port":25565}""", "Variable 'port' must be a string.")]
    [InlineData("""["port"]""", "Variables must be a JSON object of names and string values.")]
    public void Deserialize_NotAnObjectOfDistinctStrings_Refused(string json, string message)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<VariableDictionary>(json, Web));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Serializer_OrleansRoundTrip_EqualValueInTheSameOrder()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var status = Status(VariableDictionary.From(new Dictionary<string, string> { ["port"] = "25565", ["jarFile"] = "paper.jar" }));

        var copy = serializer.Deserialize<GameStatus>(serializer.SerializeToArray(status));

        Assert.Equal(status, copy);
        Assert.NotSame(status.Variables, copy!.Variables);
        Assert.Equal(["port", "jarFile"], copy.Variables!.Keys);
        Assert.Equal("paper.jar", copy.Variables["jarFile"]);
    }

    private static GameStatus Status(VariableDictionary? variables) =>
        new("minecraft-paper", "Running", 0, null, MemoryMb: 2048, Variables: variables);
}
