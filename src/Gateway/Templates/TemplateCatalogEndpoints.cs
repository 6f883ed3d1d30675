using ZlhGrind.Gateway.Auth;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Gateway.Templates;

/// <summary>The game template catalog under <c>/api/servers/templates</c>: readable by every portal user, changed only by operators.</summary>
internal static class TemplateCatalogEndpoints
{
    public static RouteGroupBuilder MapTemplateCatalogEndpoints(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/servers/templates");
        templates.MapGet("/", GetAsync);

        var operators = templates.MapGroup("/").RequireAuthorization(Roles.OperatorPolicy);
        operators.MapPut("/{name}", PutAsync);
        operators.MapDelete("/{name}", RemoveAsync);
        return api;
    }

    private static async Task<IResult> GetAsync(IGrainFactory grains)
        => TypedResults.Ok(await Catalog(grains).GetAsync());

    private static async Task<IResult> PutAsync(IGrainFactory grains, string name, GameTemplate template)
    {
        if (template.Name != name)
        {
            throw new ZlhGrind.Grains.Containers.InvalidRequestException($"name must be the template's name in the path ({ZlhGrind.Grains.Runtimes.RuntimeEntryRules.Printable(name)}).");
        }

        using var scope = OperatorScope.Enter();
        return TypedResults.Ok(await Catalog(grains).PutAsync(template));
    }

    private static async Task<IResult> RemoveAsync(IGrainFactory grains, string name)
    {
        using var scope = OperatorScope.Enter();
        return TypedResults.Ok(await Catalog(grains).RemoveAsync(name));
    }

    private static ITemplateCatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key);
}
