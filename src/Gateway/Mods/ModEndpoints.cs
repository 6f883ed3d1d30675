using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Files;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Mods;

namespace ZlhGrind.Gateway.Mods;

/// <summary>Body of <c>POST /api/servers/{id}/mods</c> (with <c>name</c>) and <c>…/mods/{name}/upgrade</c>: either <c>path</c>, <c>url</c> with <c>sha256</c>, or <c>uploadId</c>.</summary>
public sealed record ModInstallRequest(string? Name = null, string? Path = null, string? Url = null, string? Sha256 = null, string? UploadId = null);

/// <summary>
/// The mods API of a game server (issue 16) under <c>/api/servers/{id}/mods</c>: list, install (from a file of the
/// server's directory, an artifact URL with its sha-256, or a resumable upload whose chunks are all in), upgrade, enable, disable, remove
/// and a one-step rollback. Refusals are the file manager's problem details (<see cref="FileProblems"/>); the grain
/// authorizes (owner or operator) and validates every name and source.
/// </summary>
internal static class ModEndpoints
{
    public static RouteGroupBuilder MapModEndpoints(this RouteGroupBuilder api)
    {
        var mods = api.MapGroup("/servers/{id:vmid}/mods").WithFileProblems();
        mods.MapGet("", async (HttpContext http, ContainerGrains c, long id) =>
        {
            var (grain, actor) = await ModsAsync(http, c, id);
            return TypedResults.Ok(await grain.ListModsAsync(actor));
        });
        mods.MapPost("", async (HttpContext http, ContainerGrains c, long id, ModInstallRequest body) =>
        {
            var (grain, actor) = await ModsAsync(http, c, id);
            var mod = await grain.InstallModAsync(actor, body.Name ?? "", Source(body));
            return TypedResults.Created($"/api/servers/{id}/mods/{Uri.EscapeDataString(mod.Name)}", mod);
        });
        mods.MapPost("/{name}/upgrade", async (HttpContext http, ContainerGrains c, long id, string name, ModInstallRequest body) =>
        {
            var (grain, actor) = await ModsAsync(http, c, id);
            return TypedResults.Ok(await grain.UpgradeModAsync(actor, name, Source(body)));
        });
        mods.MapPost("/{name}/enable", (HttpContext http, ContainerGrains c, long id, string name) => SetEnabledAsync(http, c, id, name, enabled: true));
        mods.MapPost("/{name}/disable", (HttpContext http, ContainerGrains c, long id, string name) => SetEnabledAsync(http, c, id, name, enabled: false));
        mods.MapPost("/{name}/rollback", async (HttpContext http, ContainerGrains c, long id, string name) =>
        {
            var (grain, actor) = await ModsAsync(http, c, id);
            return TypedResults.Ok(await grain.RollbackModAsync(actor, name));
        });
        mods.MapDelete("/{name}", async (HttpContext http, ContainerGrains c, long id, string name) =>
        {
            var (grain, actor) = await ModsAsync(http, c, id);
            await grain.RemoveModAsync(actor, name);
            return TypedResults.NoContent();
        });
        return api;
    }

    private static ModSource Source(ModInstallRequest body) => new(body.Path, body.Url, body.Sha256, body.UploadId);

    private static async Task<IResult> SetEnabledAsync(HttpContext http, ContainerGrains c, long id, string name, bool enabled)
    {
        var (grain, actor) = await ModsAsync(http, c, id);
        return TypedResults.Ok(await grain.SetModEnabledAsync(actor, name, enabled));
    }

    private static async Task<(IModsGrain Grain, Actor Actor)> ModsAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();

        // A dev container or another user's server is a 404 here, before its agent is asked anything.
        await containers.GameAsync(id);
        return (containers.Factory.GetGrain<IModsGrain>(id), actor);
    }
}
