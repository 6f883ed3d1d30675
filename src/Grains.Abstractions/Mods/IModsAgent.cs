namespace ZlhGrind.Grains.Mods;

/// <summary>The agent's side of the mods API (the same endpoint as its file manager), called by the mods grain only (its replies are checked there).</summary>
[Alias("zlh.IModsAgent")]
public interface IModsAgent : IGrainObserver
{
    [Alias("List"), ResponseTimeout("00:01:00")]
    Task<ModListing> ListAsync();

    [Alias("Install"), ResponseTimeout("00:05:00")]
    Task<ModInfo> InstallAsync(string name, ModSource source, bool upgrade);

    [Alias("SetEnabled"), ResponseTimeout("00:00:30")]
    Task<ModInfo> SetEnabledAsync(string name, bool enabled);

    [Alias("Remove"), ResponseTimeout("00:00:30")]
    Task RemoveAsync(string name);

    [Alias("Rollback"), ResponseTimeout("00:00:30")]
    Task<ModInfo> RollbackAsync(string name);
}
