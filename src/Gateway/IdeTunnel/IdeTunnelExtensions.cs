using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Api;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>Registers and maps the <c>/__ide/{id}</c> tunnel.</summary>
internal static class IdeTunnelExtensions
{
    public static WebApplicationBuilder AddIdeTunnel(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdeTunnelOptions>()
            .BindConfiguration(IdeTunnelOptions.Section)
            .Validate(o => o.IsValid(), "IdeTunnel: SessionCacheTtl must be in (0, 5 s], SessionFeedPollInterval in [0, SessionCacheTtl), FeedTrustedSessionMaxAge at least the TTL, timeouts, limits positive and AllowedUpstreamNetworks valid CIDRs.")
            .ValidateOnStart();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<UpstreamPolicy>();
        builder.Services.AddSingleton<IdeSessionCache>();
        builder.Services.AddSingleton<IdeSessionFeed>();
        builder.Services.AddHostedService(static services => services.GetRequiredService<IdeSessionFeed>());
        builder.Services.AddSingleton<IdeUpstreamClient>();
        builder.Services.AddSingleton<IdeTunnelHandler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIdeTunnel(this IEndpointRouteBuilder app)
    {
        var handler = app.ServiceProvider.GetRequiredService<IdeTunnelHandler>();
        var maxBody = app.ServiceProvider.GetRequiredService<IOptions<IdeTunnelOptions>>().Value.MaxRequestBodyBytes;
        app.Map(IdeTunnelHandler.Prefix + "{id:vmid}/{**rest}", handler.ProxyAsync)
            .WithMetadata(new RequestSizeLimitAttribute(maxBody), IdeTunnelEndpoint.Marker)
            .AllowAnonymous();
        return app;
    }
}

/// <summary>Endpoint metadata naming the tunnel, for middleware that runs after the handler rewrote the path.</summary>
internal sealed class IdeTunnelEndpoint
{
    public static readonly IdeTunnelEndpoint Marker = new();

    private IdeTunnelEndpoint()
    {
    }

    public static bool Is(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<IdeTunnelEndpoint>() is not null;
}
