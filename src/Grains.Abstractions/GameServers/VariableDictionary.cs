using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZlhGrind.Grains.GameServers;

/// <summary>
/// A game server's variables as its status shows them: immutable and compared by value (the same names with the same
/// values, in any order), so a status record compares equal when its spec did not change; in JSON the object
/// <c>{"name": "value", …}</c> in the order given, as a dictionary was written.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.VariableDictionary")]
[JsonConverter(typeof(VariableDictionaryJsonConverter))]
public sealed record VariableDictionary(ImmutableArray<VariableEntry> Items) : IReadOnlyDictionary<string, string>
{
    private ImmutableArray<VariableEntry> Pairs => Items.IsDefault ? [] : Items;

    /// <summary>The variables of <paramref name="variables"/> in its order; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(variables))]
    public static VariableDictionary? From(IReadOnlyDictionary<string, string>? variables) =>
        variables is null ? null : new([.. variables.Select(v => new VariableEntry(v.Key, v.Value))]);

    /// <inheritdoc/>
    public int Count => Pairs.Length;

    /// <inheritdoc/>
    public IEnumerable<string> Keys => Pairs.Select(v => v.Name);

    /// <inheritdoc/>
    public IEnumerable<string> Values => Pairs.Select(v => v.Value);

    /// <inheritdoc/>
    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No variable named '{key}'.");

    /// <inheritdoc/>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        foreach (var variable in Pairs)
        {
            if (string.Equals(variable.Name, key, StringComparison.Ordinal))
            {
                value = variable.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
        Pairs.Select(v => KeyValuePair.Create(v.Name, v.Value)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Equal when both hold the same names with the same values (ordinal), whatever their order.</summary>
    public bool Equals(VariableDictionary? other) =>
        other is not null && other.Count == Count && Pairs.All(v => other.TryGetValue(v.Name, out var value) && string.Equals(value, v.Value, StringComparison.Ordinal));

    /// <summary>Independent of the order, as <see cref="Equals(VariableDictionary?)"/> is.</summary>
    public override int GetHashCode() => Pairs.Aggregate(Count, (hash, v) => hash ^ HashCode.Combine(v.Name, v.Value));

    /// <summary>The variables as <c>name=value</c> pairs, for messages and test output.</summary>
    public override string ToString() => "{" + string.Join(", ", Pairs.Select(v => v.Name + "=" + v.Value)) + "}";
}

/// <summary>One variable of a <see cref="VariableDictionary"/>.</summary>
[GenerateSerializer, Immutable, Alias("zlh.VariableEntry")]
public sealed record VariableEntry(string Name, string Value);

/// <summary>Writes and reads <see cref="VariableDictionary"/> as the JSON object of its names and values.</summary>
public sealed class VariableDictionaryJsonConverter : JsonConverter<VariableDictionary>
{
    /// <inheritdoc/>
    public override VariableDictionary Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Variables must be a JSON object of names and string values.");
        }

        var items = ImmutableArray.CreateBuilder<VariableEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"Variable '{name}' must be a string.");
            }

            if (!names.Add(name))
            {
                throw new JsonException($"Variable '{name}' is given twice.");
            }

            items.Add(new VariableEntry(name, reader.GetString()!));
        }

        return new VariableDictionary(items.ToImmutable());
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, VariableDictionary value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        writer.WriteStartObject();
        foreach (var (name, text) in value)
        {
            // A dictionary's keys follow the options' key policy; so do these.
            writer.WriteString(options.DictionaryKeyPolicy?.ConvertName(name) ?? name, text);
        }

        writer.WriteEndObject();
    }
}
