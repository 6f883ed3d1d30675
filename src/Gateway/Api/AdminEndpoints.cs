using ZlhGrind.Gateway.Auth;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Api;

/// <summary>Operator-only views across all users.</summary>
internal static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(Roles.OperatorPolicy);
        admin.MapGet("/containers", ListAllAsync);
        return api;
    }

    private static async Task<IResult> ListAllAsync(HttpContext http, IGrainFactory grains)
    {
        var actor = http.User.ToActor();
        using var scope = OperatorScope.Enter();
        return TypedResults.Ok(await grains.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ListAsync(actor, null));
    }
}
