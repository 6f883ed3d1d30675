using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Api;

/// <summary>Routes under <c>/api/dev</c>: dev provisioning, code-server actions, keep-running and IDE session revocation.</summary>
internal static class DevEndpoints
{
    public static RouteGroupBuilder MapDevEndpoints(this RouteGroupBuilder api)
    {
        var dev = api.MapGroup("/dev");
        dev.MapPost("/", ProvisionAsync);
        dev.MapPost("/{id:vmid}/codeserver/{action}", CodeServerAsync);
        dev.MapPatch("/{id:vmid}", UpdateAsync);
        dev.MapDelete("/{id:vmid}", DeleteAsync);
        dev.MapDelete("/{id:vmid}/ide-sessions", RevokeSessionsAsync);
        dev.MapPost("/{id:vmid}/ide/keep-running", KeepRunningAsync);
        return api;
    }

    private static async Task<IResult> ProvisionAsync(HttpContext http, ContainerGrains containers, ProvisionDevRequest request)
    {
        var actor = http.User.ToActor();
        var (owner, chosenId) = RequestValidation.ToProvisioning(request, actor);
        var spec = RequestValidation.ToSpec(request);
        using var scope = ContainerGrains.ScopeFor(actor);
        var id = await ServerEndpoints.IdForAsync(containers, chosenId);
        var result = await containers.Factory.GetGrain<IDevContainerGrain>(id).ProvisionAsync(owner, spec);
        containers.Kinds.Remember(result.ContainerId, ContainerKind.Dev);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/servers/{result.ContainerId}/status", result);
    }

    /// <summary>202 with the status: the agent installs and switches the runtime, or toggles code-server, at once.</summary>
    private static async Task<IResult> UpdateAsync(HttpContext http, ContainerGrains containers, long id, JsonElement body, IOptions<JsonOptions> json)
    {
        var update = RequestValidation.ToUpdate(PatchBody<UpdateDevRequest>.Read(body, json.Value.SerializerOptions));
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.DevAsync(id);
        return TypedResults.Accepted($"/api/servers/{id}/status", await grain.UpdateAsync(actor, update));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ContainerGrains containers, long id, string? keepData)
    {
        var keep = RequestValidation.ToKeepData(keepData);
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.DevAsync(id);
        return ServerEndpoints.Deleted(containers, id, await grain.DeleteAsync(actor, keep));
    }

    private static async Task<IResult> CodeServerAsync(HttpContext http, ContainerGrains containers, long id, string action)
    {
        var parsed = RequestValidation.ToCodeServerAction(action);
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.DevAsync(id);
        return TypedResults.Accepted($"/api/servers/{id}/status", await grain.CodeServerAsync(actor, parsed));
    }

    /// <summary>"Keep running": restarts the idle countdown of a running code-server (owner or operator) and answers the status.</summary>
    private static async Task<IResult> KeepRunningAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.DevAsync(id);
        return TypedResults.Ok(await grain.KeepIdeRunningAsync(actor));
    }

    private static async Task<IResult> RevokeSessionsAsync(HttpContext http, ContainerGrains containers, long id)
    {
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.DevAsync(id);
        return TypedResults.Ok(new RevokedSessionsResponse(await grain.RevokeIdeSessionsAsync(actor)));
    }
}
