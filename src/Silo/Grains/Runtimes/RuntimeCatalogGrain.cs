using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Runtimes;

/// <summary>The stored catalog. Versioned data: ids are never reused.</summary>
[GenerateSerializer]
internal sealed class CatalogRecord
{
    /// <summary>Runtime name → version → entry. Published versions are immutable.</summary>
    [Id(0)]
    public Dictionary<string, Dictionary<string, RuntimeEntry>> Entries { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public Dictionary<string, string> Promoted { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Previously promoted versions per runtime, most recent last, for rollback.</summary>
    [Id(2)]
    public Dictionary<string, List<string>> History { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The runtime catalog: validated entries, the promoted version of each runtime, rollback.</summary>
internal sealed class RuntimeCatalogGrain(
    [PersistentState("catalog", StorageNames.Containers)] IPersistentState<CatalogRecord> record)
    : Grain, IRuntimeCatalogGrain
{
    private const int HistoryLimit = 20;

    private RuntimeCatalogView? _view;

    private CatalogRecord Record => record.State;

    public ValueTask<RuntimeCatalogView> GetAsync() => ValueTask.FromResult(View());

    public ValueTask<RuntimeEntry> ResolveAsync(string name, string? version)
    {
        if (name is null || !Record.Entries.TryGetValue(name, out var versions))
        {
            throw new InvalidRequestException($"Unknown runtime '{name}'. Known: {string.Join(", ", Record.Entries.Keys.Order(StringComparer.Ordinal))}.");
        }

        version ??= Record.Promoted.GetValueOrDefault(name);
        if (version is null || !versions.TryGetValue(version, out var entry))
        {
            throw new InvalidRequestException($"Runtime '{name}' has no version '{version}'. Known: {string.Join(", ", versions.Keys.Order(StringComparer.Ordinal))}.");
        }

        return ValueTask.FromResult(entry);
    }

    public async Task<RuntimeCatalogView> AddAsync(RuntimeEntry entry)
    {
        RuntimeEntryValidator.Validate(entry);
        var known = Record.Entries.TryGetValue(entry.Name, out var versions);
        if (known && versions!.TryGetValue(entry.Version, out var existing))
        {
            if (SameEntry(existing, entry))
            {
                return View();
            }

            throw new ContainerConflictException($"{entry.Name} {entry.Version} is already in the catalog with other contents; publish a new version instead.");
        }

        // Every check passed: only now does the record change.
        if (!known)
        {
            versions = new Dictionary<string, RuntimeEntry>(StringComparer.Ordinal);
            Record.Entries[entry.Name] = versions;
        }

        versions![entry.Version] = entry with { VerifyCommand = [.. entry.VerifyCommand] };
        Record.Promoted.TryAdd(entry.Name, entry.Version);
        return await SaveAsync();
    }

    public async Task<RuntimeCatalogView> PromoteAsync(string name, string version)
    {
        await ResolveAsync(name, version ?? throw new InvalidRequestException("A version is required."));
        if (Record.Promoted.TryGetValue(name, out var current))
        {
            if (current == version)
            {
                return View();
            }

            var history = Record.History.TryGetValue(name, out var found) ? found : Record.History[name] = [];
            history.Add(current);
            if (history.Count > HistoryLimit)
            {
                history.RemoveAt(0);
            }
        }

        Record.Promoted[name] = version;
        return await SaveAsync();
    }

    public async Task<RuntimeCatalogView> RollbackAsync(string name)
    {
        if (name is null || !Record.History.TryGetValue(name, out var history) || history.Count == 0)
        {
            throw new ContainerConflictException($"Runtime '{name}' has no earlier promoted version to roll back to.");
        }

        Record.Promoted[name] = history[^1];
        history.RemoveAt(history.Count - 1);
        return await SaveAsync();
    }

    private async Task<RuntimeCatalogView> SaveAsync()
    {
        _view = null;
        await record.WriteStateAsync();
        return View();
    }

    private RuntimeCatalogView View() => _view ??= new RuntimeCatalogView(
        Record.Entries.Values.SelectMany(v => v.Values).OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Version, StringComparer.Ordinal).ToArray(),
        new Dictionary<string, string>(Record.Promoted, StringComparer.Ordinal));

    private static bool SameEntry(RuntimeEntry a, RuntimeEntry b) =>
        a with { VerifyCommand = [] } == b with { VerifyCommand = [] } && a.VerifyCommand.SequenceEqual(b.VerifyCommand);
}
