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

    /// <summary>
    /// Serves the files of the directory <paramref name="rootDirectory"/> names (the server's directory, the dev user's
    /// workspace; null while it does not exist yet) to the cluster, under the policy the workload applies from the spec;
    /// <paramref name="stateDirectory"/> is the agent's own, outside the root (the mods manifest).
    /// </summary>
    public static IServiceCollection AddFilesRelay(this IServiceCollection services, Func<IServiceProvider, Func<string?>> rootDirectory, Func<IServiceProvider, string?>? stateDirectory = null)
    {
        services.AddSingleton(sp => new FileRootSource(rootDirectory(sp), stateDirectory?.Invoke(sp)));
        services.AddSingleton(sp => new FilesRelay(
            sp.GetRequiredService<FileRootSource>(),
            sp.GetRequiredService<IOptions<FilesOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FilesRelay>>()));
        services.AddHostedService<FilesRelayService>();
        return services;
    }
}
