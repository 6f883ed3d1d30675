using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.Portal;

/// <summary>The portal page's own needs: its deep links and the agent set-up it prints at provisioning.</summary>
internal static class PortalExtensions
{
    /// <summary>The tabs of a container page; a portal URL naming another is a 404.</summary>
    public const string Tabs = "overview|console|terminal|files|mods|crashes|settings";

    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentSetupOptions>().BindConfiguration(AgentSetupOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AgentSetupOptions>, AgentSetupOptionsValidator>();
        return builder;
    }

    /// <summary>
    /// The portal's own URLs (a container page and its tabs, the provisioning page) answer with the page itself, so a
    /// bookmark or a reload lands where it was; the page's script reads the path. Anything else stays a 404.
    /// </summary>
    public static WebApplication MapPortalPages(this WebApplication app)
    {
        app.MapFallbackToFile("/containers/{id:vmid}", "index.html");
        app.MapFallbackToFile($"/containers/{{id:vmid}}/{{tab:regex(^({Tabs})$)}}", "index.html");
        app.MapFallbackToFile("/provision", "index.html");
        return app;
    }
}
