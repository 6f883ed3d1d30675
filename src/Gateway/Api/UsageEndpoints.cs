using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Api;

/// <summary><c>GET /api/servers/{id}/usage?resolution=1m|5s</c>: a game server's usage points (owner or operator).</summary>
internal static class UsageEndpoints
{
    /// <summary>The points, oldest first; <c>5s</c> also keeps the agent sampling every 5 seconds for <c>Usage:WatchDuration</c>.</summary>
    public static async Task<IResult> UsageAsync(HttpContext http, ContainerGrains containers, long id, string? resolution)
    {
        var wanted = ToResolution(resolution);
        var actor = http.User.ToActor();
        using var scope = ContainerGrains.ScopeFor(actor);
        var grain = await containers.GameAsync(id);
        return TypedResults.Ok(await grain.GetUsageAsync(actor, wanted));
    }

    /// <summary>The <c>resolution</c> query value: absent means 1-minute points.</summary>
    public static UsageResolution ToResolution(string? resolution) => resolution switch
    {
        null or "" or "1m" => UsageResolution.Minute,
        "5s" => UsageResolution.Fast,
        _ => throw new InvalidRequestException("resolution must be 1m or 5s."),
    };
}
