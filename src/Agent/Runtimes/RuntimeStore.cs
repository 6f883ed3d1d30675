using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>
/// The installed-runtime records, kept in memory for cheap heartbeats and written through to one JSON file per
/// runtime (replaced atomically, so a crash mid-write leaves the old record).
/// </summary>
internal sealed class RuntimeStore(RuntimeLayout layout, ILogger<RuntimeStore> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly ConcurrentDictionary<string, RuntimeState> _states = new(StringComparer.Ordinal);

    /// <summary>Reads every runtime's record from disk; an unreadable record is logged and skipped, never fatal.</summary>
    public void Load()
    {
        _states.Clear();
        if (!Directory.Exists(layout.RuntimesRoot))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(layout.RuntimesRoot))
        {
            var name = Path.GetFileName(directory);
            var file = layout.StateFile(name);
            if (!File.Exists(file))
            {
                continue;
            }

            try
            {
                var state = JsonSerializer.Deserialize<RuntimeState>(File.ReadAllText(file), Json);
                if (state is not null && state.Name == name)
                {
                    _states[name] = state with { Versions = new Dictionary<string, InstalledVersion>(state.Versions, StringComparer.Ordinal) };
                }
            }
            catch (JsonException ex)
            {
                logger.LogError(ex, "Runtime record {StateFile} is unreadable; the runtime {Runtime} is treated as not installed", file, name);
            }
        }
    }

    public RuntimeState Get(string name) => _states.TryGetValue(name, out var state) ? state : RuntimeState.Empty(name);

    public IReadOnlyList<RuntimeState> All() => _states.Values.OrderBy(state => state.Name, StringComparer.Ordinal).ToList();

    public void Save(RuntimeState state)
    {
        var file = layout.StateFile(state.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var partial = file + ".partial";
        File.WriteAllText(partial, JsonSerializer.Serialize(state, Json));
        File.Move(partial, file, overwrite: true);
        _states[state.Name] = state;
    }
}
