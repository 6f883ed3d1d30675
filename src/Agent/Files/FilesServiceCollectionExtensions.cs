using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.Files;

/// <summary>Registers the file manager's options (<c>Agent:Files</c>), validated at start, and the relay to the cluster.</summary>
internal static class FilesServiceCollectionExtensions
{
    public static IServiceCollection AddAgentFiles(this IServiceCollection services)
    {
        services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FilesOptions>, FilesOptionsValidator>();
        return services;
    }

    /// <summary>Serves the files of <paramref name="rootDirectory"/> (the server's directory, the dev workspace) to the cluster.</summary>
    public static IServiceCollection AddFilesRelay(this IServiceCollection services, Func<IServiceProvider, string> rootDirectory)
    {
        services.AddSingleton(sp => new FilesRelay(
            rootDirectory(sp),
            sp.GetRequiredService<IOptions<FilesOptions>>().Value,
            FileRootPolicy.Unrestricted,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FilesRelay>>()));
        services.AddHostedService<FilesRelayService>();
        return services;
    }
}
