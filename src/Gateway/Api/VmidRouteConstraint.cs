using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Api;

/// <summary>
/// Route constraint <c>{id:vmid}</c>: only a plain in-range container id matches, so anything else in a URL is
/// an ordinary 404 and never reaches a handler or a grain.
/// </summary>
internal sealed class VmidRouteConstraint : IRouteConstraint
{
    public const string Name = "vmid";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.TryGetValue(routeKey, out var value)
            && value is string text
            && ContainerId.TryParse(text, out _);
    }
}
