using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Grains.Mods;

/// <summary>
/// The mods of one game server (key: container id), relayed to its agent like its files (the same grain activation
/// as <see cref="Files.IFilesGrain"/>). Refusals are <see cref="Files.FileRefusedException"/> with the file manager's
/// codes; an agent that is not connected is <see cref="Files.FilesUnavailableException"/>; another user's container is
/// <see cref="ContainerNotFoundException"/>.
/// </summary>
[Alias("zlh.IModsGrain")]
public interface IModsGrain : IGrainWithIntegerKey
{
    /// <summary>The mods directory's mods, enabled and disabled, with what each says about itself.</summary>
    [Alias("ListMods"), Accepts(CallerKind.Gateway), ResponseTimeout("00:01:00")]
    Task<ModListing> ListModsAsync(Actor actor);

    /// <summary>Installs a new mod as <paramref name="name"/> from a file of the server's directory or an artifact URL with its sha-256.</summary>
    [Alias("InstallMod"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task<ModInfo> InstallModAsync(Actor actor, string name, ModSource source);

    /// <summary>Replaces mod <paramref name="name"/>, keeping the replaced file for one <see cref="RollbackModAsync"/>.</summary>
    [Alias("UpgradeMod"), Accepts(CallerKind.Gateway), ResponseTimeout("00:05:00")]
    Task<ModInfo> UpgradeModAsync(Actor actor, string name, ModSource source);

    /// <summary>Enables or disables a mod (moved in or out of the disabled folder, never deleted).</summary>
    [Alias("SetModEnabled"), Accepts(CallerKind.Gateway)]
    Task<ModInfo> SetModEnabledAsync(Actor actor, string name, bool enabled);

    /// <summary>Removes a mod and its kept previous version.</summary>
    [Alias("RemoveMod"), Accepts(CallerKind.Gateway)]
    Task RemoveModAsync(Actor actor, string name);

    /// <summary>Puts the previous version of an upgraded mod back (one step).</summary>
    [Alias("RollbackMod"), Accepts(CallerKind.Gateway)]
    Task<ModInfo> RollbackModAsync(Actor actor, string name);
}
