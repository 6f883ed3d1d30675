using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZlhGrind.Benchmarks.Reporting;

/// <summary>The whole run as written to results.json.</summary>
internal sealed record BenchReport(
    DateTimeOffset StartedAt,
    double Seconds,
    bool Quick,
    int ProcessorCount,
    string Runtime,
    IReadOnlyList<ScenarioResult> Scenarios)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken);
        }

        // Replace in one step, so a reader never sees half a file.
        File.Move(temporary, path, overwrite: true);
    }

    public static async Task<BenchReport> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<BenchReport>(stream, Json, cancellationToken)
            ?? throw new InvalidDataException($"{path} holds no results");
    }
}
