using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Templates;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Templates;

/// <summary>The stored template catalog. Versioned data: ids are never reused.</summary>
[GenerateSerializer]
internal sealed class TemplateCatalogRecord
{
    [Id(0)]
    public Dictionary<string, GameTemplate> Templates { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Shipped templates once seeded: never seeded again, so an operator's edit or removal stays.</summary>
    [Id(1)]
    public HashSet<string> Seeded { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The game template catalog: validated templates by name, seeded with the shipped ones.</summary>
internal sealed class TemplateCatalogGrain(
    [PersistentState("templates", StorageNames.Containers)] IPersistentState<TemplateCatalogRecord> record)
    : Grain, ITemplateCatalogGrain
{
    private IReadOnlyList<GameTemplate>? _view;

    private TemplateCatalogRecord Record => record.State;

    public ValueTask<IReadOnlyList<GameTemplate>> GetAsync() => ValueTask.FromResult(View());

    public ValueTask<GameTemplate> ResolveAsync(string name) =>
        name is not null && Record.Templates.TryGetValue(name, out var template)
            ? ValueTask.FromResult(template)
            : throw new InvalidRequestException($"template '{Printable(name)}' is not in the catalog. Known: {string.Join(", ", Record.Templates.Keys.Order(StringComparer.Ordinal))}.");

    public async Task<IReadOnlyList<GameTemplate>> PutAsync(GameTemplate template)
    {
        if (template is null)
        {
            throw new InvalidRequestException("A template is required.");
        }

        if (GameTemplateRules.Problems(template) is [var first, ..])
        {
            throw new InvalidRequestException(first);
        }

        if (Record.Templates.TryGetValue(template.Name, out var existing) && Same(existing, template))
        {
            return View();
        }

        Record.Templates[template.Name] = template;
        return await SaveAsync();
    }

    public async Task<IReadOnlyList<GameTemplate>> RemoveAsync(string name)
    {
        await ResolveAsync(name);
        Record.Templates.Remove(name);
        return await SaveAsync();
    }

    public async Task SeedAsync(IReadOnlyList<GameTemplate> shipped)
    {
        var added = false;
        foreach (var template in shipped ?? [])
        {
            if (GameTemplateRules.Problems(template).Count == 0 && Record.Seeded.Add(template.Name))
            {
                Record.Templates.TryAdd(template.Name, template);
                added = true;
            }
        }

        if (added)
        {
            await SaveAsync();
        }
    }

    private async Task<IReadOnlyList<GameTemplate>> SaveAsync()
    {
        _view = null;
        await record.WriteStateAsync();
        return View();
    }

    private IReadOnlyList<GameTemplate> View() =>
        _view ??= Record.Templates.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();

    private static string Printable(string? name) => ZlhGrind.Grains.Runtimes.RuntimeEntryRules.Printable(name);

    // Records compare lists by reference; two puts of the same JSON are the same template.
    private static bool Same(GameTemplate a, GameTemplate b) =>
        System.Text.Json.JsonSerializer.Serialize(a) == System.Text.Json.JsonSerializer.Serialize(b);
}
