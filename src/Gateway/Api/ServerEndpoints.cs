using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Api;

/// <summary>Routes under <c>/api/servers</c>: game provisioning and what both kinds share (status, listing).</summary>
internal static class ServerEndpoints
{
    public static RouteGroupBuilder MapServerEndpoints(this RouteGroupBuilder api)
    {
        var servers = api.MapGroup("/servers");
        servers.MapGet("/", ListAsync);
        servers.MapPost("/", ProvisionAsync);
        servers.MapGet("/{id:vmid}/status", StatusAsync);
        servers.MapPost("/{id:vmid}/power", PowerAsync);
        servers.MapGet("/{id:vmid}/crashes", CrashesAsync);
        servers.MapGet("/{id:vmid}/usage", UsageEndpoints.UsageAsync);
        servers.MapPatch("/{id:vmid}", UpdateAsync);
        servers.MapDelete("/{id:vmid}", DeleteAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext http, ContainerGrains containers, string? kind)
    {
        ContainerKind? filter = kind?.ToUpperInvariant() switch
        {
            null or "" => null,
            "GAME" => ContainerKind.Game,
            "DEV" => ContainerKind.Dev,
            _ => throw new InvalidRequestException("kind must be game or dev."),
        };
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var list = await containers.Factory.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ListAsync(actor, filter);
        return TypedResults.Ok(list);
    }

    private static async Task<IResult> ProvisionAsync(HttpContext http, ContainerGrains containers, ProvisionGameRequest request)
    {
        var actor = http.User.ToActor();
        var (owner, chosenId) = RequestValidation.ToProvisioning(request, actor);
        var spec = RequestValidation.ToSpec(request);
        using var scope = ContainerGrains.ScopeFor(actor);
        var id = await IdForAsync(containers, chosenId);
        var result = await containers.Factory.GetGrain<IGameServerGrain>(id).ProvisionAsync(owner, spec);
        containers.Kinds.Remember(result.ContainerId, ContainerKind.Game);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/servers/{result.ContainerId}/status", result);
    }

    /// <summary>The operator's chosen id, or a fresh one from the registry (never one that exists).</summary>
    internal static async Task<long> IdForAsync(ContainerGrains containers, long? chosenId) =>
        chosenId ?? await containers.Factory.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).AllocateIdAsync();

    private static async Task<IResult> StatusAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.AnyAsync(id);
        return TypedResults.Ok(await grain.GetStatusAsync(actor));
    }

    private static async Task<IResult> PowerAsync(HttpContext http, ContainerGrains containers, long id, PowerRequest request)
    {
        var action = RequestValidation.ToPowerAction(request.Action);
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.GameAsync(id);
        return TypedResults.Accepted($"/api/servers/{id}/status", await grain.PowerAsync(actor, action));
    }

    /// <summary>202 with the status: the agent applies the change at the server's next start (<c>game.pendingRestart</c> says so).</summary>
    private static async Task<IResult> UpdateAsync(HttpContext http, ContainerGrains containers, long id, JsonElement body, IOptions<JsonOptions> json)
    {
        var update = RequestValidation.ToUpdate(PatchBody<GameServerUpdate>.Read(body, json.Value.SerializerOptions));
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.GameAsync(id);
        return TypedResults.Accepted($"/api/servers/{id}/status", await grain.UpdateAsync(actor, update));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ContainerGrains containers, long id, string? keepData)
    {
        var keep = RequestValidation.ToKeepData(keepData);
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.GameAsync(id);
        return Deleted(containers, id, await grain.DeleteAsync(actor, keep));
    }

    /// <summary>
    /// 202 with the status while the agent works (state <c>Deleting</c>), 200 once the container is gone; the cached
    /// kind is dropped so a later provision of the id (operators only) may be of the other kind.
    /// </summary>
    internal static IResult Deleted(ContainerGrains containers, long id, ContainerStatus status)
    {
        containers.Kinds.Forget(id);
        return status.State == DeletedState ? TypedResults.Ok(status) : TypedResults.Accepted($"/api/servers/{id}/status", status);
    }

    /// <summary>The state name of a deleted container's last status.</summary>
    internal const string DeletedState = "Deleted";

    private static async Task<IResult> CrashesAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.GameAsync(id);
        return TypedResults.Ok(await grain.GetCrashesAsync(actor));
    }
}
