using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Grains.Templates;

/// <summary>The game template catalog (key "default"): readable by the portal, changed by operators, seeded by the silo.</summary>
[Alias("zlh.ITemplateCatalogGrain")]
public interface ITemplateCatalogGrain : IGrainWithStringKey
{
    /// <summary>The catalog's only key.</summary>
    public const string Key = "default";

    /// <summary>Every template, by name.</summary>
    [Alias("Get"), Accepts(CallerKind.Gateway | CallerKind.Internal)]
    ValueTask<IReadOnlyList<GameTemplate>> GetAsync();

    /// <summary>The template called <paramref name="name"/>; throws <c>InvalidRequestException</c> naming <c>template</c> when there is none.</summary>
    [Alias("Resolve"), Accepts(CallerKind.Gateway | CallerKind.Internal)]
    ValueTask<GameTemplate> ResolveAsync(string name);

    /// <summary>Adds a template, or replaces the one of that name (servers already provisioned keep what they were rendered from).</summary>
    [Alias("Put"), Accepts(CallerKind.Operator)]
    Task<IReadOnlyList<GameTemplate>> PutAsync(GameTemplate template);

    /// <summary>Removes a template; throws when there is none of that name.</summary>
    [Alias("Remove"), Accepts(CallerKind.Operator)]
    Task<IReadOnlyList<GameTemplate>> RemoveAsync(string name);

    /// <summary>Adds each shipped template the catalog has never held (an operator's edit or removal wins over a later seed).</summary>
    [Alias("Seed"), Accepts(CallerKind.Internal)]
    Task SeedAsync(IReadOnlyList<GameTemplate> shipped);
}
