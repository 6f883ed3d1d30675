using ZlhGrind.Grains.Mods;

namespace ZlhGrind.Agent.Files;

/// <summary>The mods API on the same endpoint and the same root as the file manager (so quota and denylist hold for mods too).</summary>
internal sealed partial class FilesRelay : IModsAgent
{
    /// <summary>The server's mods (the crash record asks it which changed since the last clean run).</summary>
    internal ModsManager Mods => _mods;

    public Task<ModListing> ListAsync() => Guard(() => _mods.ListAsync(Root(), _source.Policy.ModsDirectory, CancellationToken.None));

    public Task<ModInfo> InstallAsync(string name, ModSource source, bool upgrade) =>
        Guard(() => _mods.InstallAsync(Root(), source.UploadId is null ? null : Uploads(), _source.Policy.ModsDirectory, name, source, upgrade, CancellationToken.None));

    public Task<ModInfo> SetEnabledAsync(string name, bool enabled) =>
        Guard(() => _mods.SetEnabledAsync(Root(), _source.Policy.ModsDirectory, name, enabled, CancellationToken.None));

    public Task RemoveAsync(string name) => Guard(async () =>
    {
        await _mods.RemoveAsync(Root(), _source.Policy.ModsDirectory, name, CancellationToken.None);
        return true;
    });

    public Task<ModInfo> RollbackAsync(string name) => Guard(() => _mods.RollbackAsync(Root(), _source.Policy.ModsDirectory, name, CancellationToken.None));
}
