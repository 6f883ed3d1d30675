using System.Security.Claims;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Auth;

/// <summary>Turns the authenticated principal into the <see cref="Actor"/> grains check ownership against.</summary>
internal static class ActorExtensions
{
    public static Actor ToActor(this ClaimsPrincipal user)
    {
        var subject = user.FindFirst(Roles.SubjectClaim)?.Value;
        if (string.IsNullOrEmpty(subject))
        {
            // Only reachable when a route forgot RequireAuthorization; never act for an anonymous caller.
            throw new InvalidOperationException("The request has no authenticated subject.");
        }

        return new Actor(subject, user.IsInRole(Roles.Operator));
    }
}
