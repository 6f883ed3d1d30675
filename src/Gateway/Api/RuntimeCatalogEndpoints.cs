using ZlhGrind.Gateway.Auth;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Gateway.Api;

/// <summary>The runtime catalog: readable by every portal user, changed only by operators.</summary>
internal static class RuntimeCatalogEndpoints
{
    public static RouteGroupBuilder MapRuntimeCatalogEndpoints(this RouteGroupBuilder api)
    {
        var runtimes = api.MapGroup("/dev/runtimes");
        runtimes.MapGet("/", GetAsync);

        var operators = runtimes.MapGroup("/").RequireAuthorization(Roles.OperatorPolicy);
        operators.MapPost("/", AddAsync);
        operators.MapPost("/{name}/promote", PromoteAsync);
        operators.MapPost("/{name}/rollback", RollbackAsync);
        return api;
    }

    private static async Task<IResult> GetAsync(IGrainFactory grains)
        => TypedResults.Ok(await Catalog(grains).GetAsync());

    private static async Task<IResult> AddAsync(IGrainFactory grains, RuntimeEntry entry)
    {
        using var scope = OperatorScope.Enter();
        return TypedResults.Ok(await Catalog(grains).AddAsync(entry));
    }

    private static async Task<IResult> PromoteAsync(IGrainFactory grains, string name, PromoteRequest request)
    {
        var runtime = RequestValidation.RuntimeName(name);
        if (string.IsNullOrWhiteSpace(request.Version))
        {
            throw new ZlhGrind.Grains.Containers.InvalidRequestException("version is required.");
        }

        using var scope = OperatorScope.Enter();
        return TypedResults.Ok(await Catalog(grains).PromoteAsync(runtime, request.Version));
    }

    private static async Task<IResult> RollbackAsync(IGrainFactory grains, string name)
    {
        var runtime = RequestValidation.RuntimeName(name);
        using var scope = OperatorScope.Enter();
        return TypedResults.Ok(await Catalog(grains).RollbackAsync(runtime));
    }

    private static IRuntimeCatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key);
}
