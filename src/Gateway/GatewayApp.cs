using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Api;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Consoles;
using ZlhGrind.Gateway.Errors;
using ZlhGrind.Gateway.Events;
using ZlhGrind.Gateway.Files;
using ZlhGrind.Gateway.Hosting;
using ZlhGrind.Gateway.IdeBootstrap;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Mods;
using ZlhGrind.Gateway.Portal;
using ZlhGrind.Gateway.Templates;

namespace ZlhGrind.Gateway;

/// <summary>Builds the gateway: the portal API, the IDE bootstrap and the <c>/__ide</c> tunnel over one Orleans client.</summary>
public static class GatewayApp
{
    /// <summary>
    /// Builds the app from <paramref name="args"/> and the usual configuration sources; <paramref name="configure"/>
    /// runs before any registration (tests add configuration, a time provider or their own cluster client there).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,

            // Configuration files and the portal page ship next to the binary; the working directory does not matter.
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.AddGatewayLogging();
        builder.AddTrustedProxies();
        builder.AddGatewayCluster();
        builder.AddGatewayAuth();
        builder.AddGatewayApi();
        builder.AddIdeBootstrap();
        builder.AddIdeTunnel();
        builder.AddPortal();
        builder.AddConsoles();
        builder.AddFiles();

        var app = builder.Build();
        app.UseTrustedProxies();
        app.UseIdeTunnel();
        app.UseGatewayRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBodySizeGuard();
        ClusterReadiness.UseClusterReadinessGate(app);

        // The portal page, kept off the API paths.
        app.UseWhen(
            static http => !http.Request.Path.StartsWithSegments("/api"),
            static branch => branch.UseDefaultFiles().UseStaticFiles());
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseWebSockets();

        app.MapHealthEndpoints();
        app.MapIdeBootstrapEndpoint();
        app.MapConsoleSocket();
        app.MapFileTransferSocket();
        app.MapDevTokenEndpoint();
        app.MapPortalPages();

        var maxBody = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        var api = app.MapGroup("/api")
            .RequireAuthorization()
            .WithMetadata(new RequestSizeLimitAttribute(maxBody));
        api.MapServerEndpoints()
            .MapDevEndpoints()
            .MapRuntimeCatalogEndpoints()
            .MapTemplateCatalogEndpoints()
            .MapAdminEndpoints()
            .MapIdeAddressEndpoint()
            .MapIdeTokenEndpoint()
            .MapContainerEvents()
            .MapAgentSetup()
            .MapConsoleEndpoints()
            .MapFileEndpoints(app.Services.GetRequiredService<IOptions<FilesApiOptions>>().Value)
            .MapModEndpoints();
        return app;
    }

    private static WebApplicationBuilder AddGatewayApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        builder.Services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EventsOptions>, EventsOptionsValidator>();
        builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<VmidRouteConstraint>(VmidRouteConstraint.Name));

        // Bad input surfaces as BadHttpRequestException so the exception handler can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // Enums travel by name as declared ("Game", "Connected"): the portal page compares against those names.
            // Crash classifications carry their own snake_case names ([JsonStringEnumMemberName]), which this converter honours.
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
            o.SerializerOptions.RespectRequiredConstructorParameters = true;

            // A body says exactly what it means: "1024" is not a number, a misspelt or unknown field is refused
            // (instead of silently dropped, e.g. a typo in "memoryMb"), and a field given twice is refused.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.AllowDuplicateProperties = false;
        });

        // Registered ahead of AddProblemDetails' own writer so problems are JSON whatever the Accept header says.
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<GatewayExceptionHandler>();
        builder.Services.AddSingleton<ContainerGrains>();
        return builder;
    }
}
