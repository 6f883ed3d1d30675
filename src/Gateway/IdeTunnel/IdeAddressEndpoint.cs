using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// <c>PUT /api/admin/containers/{id}/ide-address</c>: the provisioner (an operator) tells the platform where a dev
/// container lives. The tunnel connects there and nowhere else; what the agent reports is never used as the upstream.
/// </summary>
internal static class IdeAddressEndpoint
{
    public static RouteGroupBuilder MapIdeAddressEndpoint(this RouteGroupBuilder api)
    {
        api.MapPut("/admin/containers/{id:vmid}/ide-address", SetAsync).RequireAuthorization(Roles.OperatorPolicy);
        return api;
    }

    private static async Task<IResult> SetAsync(HttpContext http, ContainerGrains containers, long id, IdeAddressRequest request)
    {
        var actor = http.User.ToActor();
        using var scope = OperatorScope.Enter();
        var grain = await containers.DevAsync(id);
        await grain.SetIdeAddressAsync(actor, string.IsNullOrEmpty(request.Address) ? null : request.Address);
        return TypedResults.NoContent();
    }
}

/// <summary>Body of <c>PUT /api/admin/containers/{id}/ide-address</c>: an IP (the gateway's IDE port) or IP:port; null clears it.</summary>
public sealed record IdeAddressRequest(string? Address = null);
