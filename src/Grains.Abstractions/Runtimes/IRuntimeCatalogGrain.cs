using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Grains.Runtimes;

/// <summary>The runtime catalog (key "default"): validated entries, a promoted version per runtime and its history for rollback.</summary>
[Alias("zlh.IRuntimeCatalogGrain")]
public interface IRuntimeCatalogGrain : IGrainWithStringKey
{
    /// <summary>The catalog's only key.</summary>
    public const string Key = "default";

    /// <summary>Every entry and what is promoted.</summary>
    [Alias("Get"), Accepts(CallerKind.Gateway | CallerKind.Internal)]
    ValueTask<RuntimeCatalogView> GetAsync();

    /// <summary>The entry for a runtime and version (null version = the promoted one); throws when there is none.</summary>
    [Alias("Resolve"), Accepts(CallerKind.Gateway | CallerKind.Internal)]
    ValueTask<RuntimeEntry> ResolveAsync(string name, string? version);

    /// <summary>Adds a validated entry; the first version of a runtime is promoted at once.</summary>
    [Alias("Add"), Accepts(CallerKind.Operator)]
    Task<RuntimeCatalogView> AddAsync(RuntimeEntry entry);

    /// <summary>Makes a version the promoted one, remembering the previous for rollback.</summary>
    [Alias("Promote"), Accepts(CallerKind.Operator)]
    Task<RuntimeCatalogView> PromoteAsync(string name, string version);

    /// <summary>Returns to the previously promoted version.</summary>
    [Alias("Rollback"), Accepts(CallerKind.Operator)]
    Task<RuntimeCatalogView> RollbackAsync(string name);
}
